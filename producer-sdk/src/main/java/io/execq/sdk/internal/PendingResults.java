package io.execq.sdk.internal;

import io.execq.schema.ExecutionResult;
import io.execq.sdk.ExecutionTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The requests a client is waiting on, by request id, each with its own timeout.
 *
 * <p>Every way a wait can end (result, timeout, the caller cancelling, a send failure, close) completes the future,
 * and completing the future is what removes the entry and cancels the timer, so no path can leak an entry.
 */
public final class PendingResults {

    private final Map<String, CompletableFuture<ExecutionResult>> waiting = new ConcurrentHashMap<>();
    private final TimeoutScheduler timeouts;
    private volatile Function<String, Throwable> closedCause;

    public PendingResults(TimeoutScheduler timeouts) {
        this.timeouts = timeouts;
    }

    /**
     * Starts waiting for the result of {@code requestId}. The returned future fails with an
     * {@link ExecutionTimeoutException} after {@code timeout}, or with an {@link IllegalStateException} if the id is
     * already awaited or this registry is closed.
     */
    public CompletableFuture<ExecutionResult> register(String requestId, Duration timeout) {
        CompletableFuture<ExecutionResult> result = new CompletableFuture<>();
        if (closedCause != null) {
            result.completeExceptionally(closedCause.apply(requestId));
            return result;
        }
        if (waiting.putIfAbsent(requestId, result) != null) {
            result.completeExceptionally(new IllegalStateException("request " + requestId
                    + " is already awaiting a result"));
            return result;
        }
        Runnable cancelTimeout = timeouts.schedule(timeout, () -> {
            waiting.remove(requestId, result);
            result.completeExceptionally(new ExecutionTimeoutException(requestId, timeout));
        });
        // Covers the caller cancelling; the other paths remove the entry before completing, so that whoever sees
        // the future complete also sees the entry gone.
        result.whenComplete((value, error) -> {
            waiting.remove(requestId, result);
            cancelTimeout.run();
        });
        // close() may have swept the map between the check above and the put.
        Function<String, Throwable> cause = closedCause;
        if (cause != null) {
            result.completeExceptionally(cause.apply(requestId));
        }
        return result;
    }

    /** Hands {@code result} to whoever waits for its request id; a result nobody waits for is ignored. */
    public boolean complete(ExecutionResult result) {
        CompletableFuture<ExecutionResult> future = waiting.remove(result.getRequestId());
        return future != null && future.complete(result);
    }

    /** Fails the wait for {@code requestId}, if there is one. */
    public void fail(String requestId, Throwable cause) {
        CompletableFuture<ExecutionResult> future = waiting.remove(requestId);
        if (future != null) {
            future.completeExceptionally(cause);
        }
    }

    /** Fails every current wait with the cause made for its id; later {@link #register} calls fail the same way. */
    public void close(Function<String, Throwable> causeForRequestId) {
        closedCause = causeForRequestId;
        failAll(causeForRequestId);
    }

    /** Fails every current wait with the cause made for its id, leaving later registrations alone. */
    public void failAll(Function<String, Throwable> causeForRequestId) {
        waiting.forEach((requestId, future) -> {
            waiting.remove(requestId, future);
            future.completeExceptionally(causeForRequestId.apply(requestId));
        });
    }

    /** How many requests are awaited right now. */
    public int size() {
        return waiting.size();
    }
}
