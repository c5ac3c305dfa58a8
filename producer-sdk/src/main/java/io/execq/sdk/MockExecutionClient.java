package io.execq.sdk;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.internal.PendingResults;
import io.execq.sdk.internal.RequestValidator;
import io.execq.sdk.internal.ScheduledTimeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * An in-memory {@link ExecutionClient} for unit tests of code that uses the SDK. No Kafka, no threads besides one
 * timer.
 *
 * <pre>{@code
 * MockExecutionClient client = new MockExecutionClient()
 *         .respondWith(request -> ExecutionResults.succeeded(request, "42\n"));
 * CodeRunner runner = new CodeRunner(client);          // the code under test
 * assertThat(runner.run("print(6*7)")).isEqualTo("42\n");
 * assertThat(client.submitted()).singleElement()
 *         .satisfies(r -> assertThat(r.getCommand()).containsExactly("python3", "-c", "print(6*7)"));
 * }</pre>
 *
 * <p>It behaves like the Kafka client wherever a test could notice: requests are validated with the same rules and
 * messages, {@code execute} times out with the same {@link ExecutionTimeoutException}, a second concurrent wait for
 * one request id fails, and after {@link #close()} waits fail and calls are refused the same way. Every request that
 * passes validation, through {@code submit} or {@code execute}, is recorded.
 *
 * <p>Without a responder, {@code execute} futures stay pending until {@link #complete} (or {@link #fail}) answers
 * them or they time out. With one, {@code execute} answers at once with the responder's result; a responder that
 * returns null leaves that request pending. Thread-safe.
 */
public final class MockExecutionClient implements ExecutionClient {

    private final List<ExecutionRequest> submitted = new ArrayList<>();
    private final List<String> cancelled = new ArrayList<>();
    private final ScheduledTimeouts timeouts = new ScheduledTimeouts("execq-mock-client-timeouts");
    private final PendingResults pending = new PendingResults(timeouts);
    private volatile Function<ExecutionRequest, ExecutionResult> responder;
    private volatile RuntimeException submitFailure;
    private volatile boolean closed;

    /**
     * Answers every later {@code execute} with {@code responder}'s result for the request.
     *
     * @return this client
     */
    public MockExecutionClient respondWith(Function<ExecutionRequest, ExecutionResult> responder) {
        this.responder = Objects.requireNonNull(responder, "responder");
        return this;
    }

    /**
     * Makes every later {@code submit} and {@code execute} fail with {@code failure} as if the broker refused the
     * request (for instance a {@link SubmitException}); {@code null} restores normal behaviour. Failed requests are not
     * recorded.
     *
     * @return this client
     */
    public MockExecutionClient failSubmissionsWith(RuntimeException failure) {
        this.submitFailure = failure;
        return this;
    }

    /**
     * Completes the pending {@code execute} of {@code requestId} with {@code result}.
     *
     * @return false if no {@code execute} was waiting for that id
     */
    public boolean complete(String requestId, ExecutionResult result) {
        Objects.requireNonNull(result, "result");
        if (!requestId.equals(result.getRequestId())) {
            throw new IllegalArgumentException("result is for request " + result.getRequestId() + ", not "
                    + requestId);
        }
        return pending.complete(result);
    }

    /** Fails the pending {@code execute} of {@code requestId} with {@code cause}, if there is one. */
    public void fail(String requestId, Throwable cause) {
        pending.fail(requestId, Objects.requireNonNull(cause, "cause"));
    }

    /** Every request accepted so far, in order. */
    public synchronized List<ExecutionRequest> submitted() {
        return List.copyOf(submitted);
    }

    /** How many {@code execute} calls are waiting for a result. */
    public int pendingCount() {
        return pending.size();
    }

    @Override
    public CompletableFuture<String> submit(ExecutionRequest request) {
        Objects.requireNonNull(request, "request");
        RuntimeException refused = accept(request);
        return refused != null ? CompletableFuture.failedFuture(refused)
                : CompletableFuture.completedFuture(request.getRequestId());
    }

    @Override
    public CompletableFuture<ExecutionResult> execute(ExecutionRequest request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (!closed && (timeout.isNegative() || timeout.isZero())) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("timeout must be positive, got " + timeout));
        }
        RuntimeException refused = accept(request);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<ExecutionResult> result = pending.register(request.getRequestId(), timeout);
        Function<ExecutionRequest, ExecutionResult> current = responder;
        if (current != null && !result.isDone()) {
            ExecutionResult answer = current.apply(request);
            if (answer != null) {
                complete(request.getRequestId(), answer);
            }
        }
        return result;
    }

    /** Records the cancellation; the mock knows no results, so the outcome is {@code NO_RESULT}. */
    @Override
    public CompletableFuture<CancelOutcome> cancel(String requestId, Duration wait) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(wait, "wait");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
        }
        synchronized (this) {
            cancelled.add(requestId);
        }
        return CompletableFuture.completedFuture(new CancelOutcome(requestId, CancelOutcome.Status.NO_RESULT,
                java.util.Optional.empty()));
    }

    /** Every request id cancelled so far, in order. */
    public synchronized List<String> cancelled() {
        return List.copyOf(cancelled);
    }

    private RuntimeException accept(ExecutionRequest request) {
        if (closed) {
            return new IllegalStateException("client closed");
        }
        try {
            RequestValidator.validate(request);
        } catch (IllegalArgumentException e) {
            return e;
        }
        if (submitFailure != null) {
            return submitFailure;
        }
        synchronized (this) {
            submitted.add(request);
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        pending.close(requestId -> new IllegalStateException("client closed before the result of request "
                + requestId + " arrived"));
        timeouts.close();
    }
}
