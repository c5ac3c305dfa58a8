package io.execq.sdk;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Submits {@link ExecutionRequest}s to execq and, optionally, waits for their {@link ExecutionResult}s.
 *
 * <pre>{@code
 * try (ExecutionClient client = ExecutionClient.builder().bootstrapServers("127.0.0.1:9092").build()) {
 *     ExecutionRequest request = ExecutionRequests.command("python3", "-c", "print(6*7)")
 *             .timeout(Duration.ofSeconds(10))
 *             .build();
 *     ExecutionResult result = client.execute(request, Duration.ofSeconds(30)).join();
 * }
 * }</pre>
 *
 * <h2>Errors</h2>
 * Every method reports failures through the returned future, never by throwing, except for a null argument
 * ({@link NullPointerException}). The causes are:
 * <ul>
 *   <li>{@link IllegalArgumentException}: the request breaks a rule of
 *       {@link ExecutionRequests#validate(ExecutionRequest)}; nothing was sent.</li>
 *   <li>{@link RequestTooLargeException}: the serialized request is larger than the producer may send; nothing was
 *       sent.</li>
 *   <li>{@link SubmitException}: the broker did not accept the request.</li>
 *   <li>{@link ExecutionTimeoutException} ({@code execute} only): no result within the given time.</li>
 *   <li>{@link IllegalStateException}: the client is closed, was closed while waiting, or its result reader
 *       failed.</li>
 * </ul>
 * A result whose status is {@code FAILED}, {@code TIMED_OUT}, {@code OOM_KILLED}, {@code REJECTED}, {@code EXPIRED}
 * or {@code ERROR} is a normal result, not an exception: the user's program ran (or was refused) and the result
 * says how.
 *
 * <h2>Threads</h2>
 * Implementations are thread-safe. Futures returned by {@code execute} are completed on the client's single result
 * thread: stages attached with the non-{@code Async} methods ({@code thenApply}, {@code whenComplete}) run there and
 * delay every other result while they run. Attach slow work with the {@code *Async} variants.
 *
 * <p>{@link #builder()} makes the Kafka implementation; {@link MockExecutionClient} is an in-memory one for tests.
 */
public interface ExecutionClient extends AutoCloseable {

    /** A builder for the Kafka implementation. */
    static ExecutionClientBuilder builder() {
        return new ExecutionClientBuilder();
    }

    /**
     * Validates {@code request} and publishes it to the requests topic, keyed by its request id.
     *
     * <p>The producer is idempotent with {@code acks=all}: once the future completes, the request is in the log on
     * every in-sync replica and an executor will pick it up. Resubmitting the same request publishes a second
     * record, which executors run again.
     *
     * @return completes with the request id once the broker has acknowledged the request
     */
    CompletableFuture<String> submit(ExecutionRequest request);

    /**
     * Submits {@code request} and waits for its result, correlated by request id.
     *
     * <p>The wait counts from this call, so {@code timeout} covers publishing, queueing and running; choose it
     * longer than the request's own limits. When it ends without a result the future fails with an
     * {@link ExecutionTimeoutException}, the client forgets the request, and a result arriving later is ignored.
     * Cancelling the future has the same effect. The request itself is not withdrawn in either case.
     *
     * <p>Only results published after the client started reading are seen; the first call starts the reader and
     * publishes only once it is positioned, so no result of a request sent through this method is missed. Waiting
     * twice at the same time for the same request id fails the second wait.
     *
     * @param timeout how long to wait for the result; must be positive
     * @return completes with the request's result
     */
    CompletableFuture<ExecutionResult> execute(ExecutionRequest request, Duration timeout);

    /**
     * As {@link #execute(ExecutionRequest, Duration)}, with the run's output delivered to {@code listener} while it
     * runs. The request is sent with {@code streamOutput} set (whatever it says); the executor publishes its output in
     * chunks to the output topic, and this reads them ({@code read_uncommitted}, the request id's partition, from the
     * end offset taken before the request is sent), drops duplicates by {@code (runId, sequence)} and delivers them in
     * order until the result arrives (and the chunks already in the topic by then). The returned future completes
     * after the last chunk was delivered.
     *
     * <p>Chunks are progress, not the result: they are bounded by the executor's {@code --max-stream-bytes} and
     * {@code --max-stream-rate} (what is left out is counted in {@code dropped}), may be lost, and a run started again
     * after an executor failure streams again under a new {@code runId}. The result's {@code stdout}/{@code stderr}
     * are the authority. A future that fails fails as {@code execute} does; it also fails with an
     * {@link IllegalStateException} when the output topic does not exist.
     *
     * <p>The default implementation delivers no chunks: it is {@code execute(request, timeout)}.
     */
    default CompletableFuture<ExecutionResult> execute(ExecutionRequest request, Duration timeout,
            OutputListener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        return execute(request, timeout);
    }

    /**
     * Asks every executor to give up on {@code requestId}: publishes a {@code CancelRequest} to the control topic
     * (keyed by the id), then, when {@code wait} is positive, reads the results topic ({@code read_committed}) for
     * the id's result for up to {@code wait}.
     *
     * <p>Executors keep a cancellation for their {@code --cancel-window} (1 hour by default): a request that is
     * queued, or arrives later within the window, never starts and gets one result {@code CANCELLED}; a running one
     * is killed (container or process tree) and its result is {@code CANCELLED} with the output captured so far.
     * Cancelling an unknown or finished request changes nothing and is not an error: the outcome says
     * {@link CancelOutcome.Status#ALREADY_FINISHED} or {@link CancelOutcome.Status#NO_RESULT}.
     *
     * @param wait how long to look for the result after publishing; zero: do not look ({@code NO_RESULT})
     * @return completes once the cancellation is acknowledged by the broker and the wait is over; fails with
     *     {@link SubmitException} when the broker refused it
     */
    CompletableFuture<CancelOutcome> cancel(String requestId, Duration wait);

    /** Publishes the cancellation of {@code requestId} without waiting for its effect (outcome {@code NO_RESULT}). */
    default CompletableFuture<CancelOutcome> cancel(String requestId) {
        return cancel(requestId, Duration.ZERO);
    }

    /**
     * Stops the client: outstanding {@code execute} futures fail with an {@link IllegalStateException}, requests
     * already handed to the producer are still sent (bounded by the builder's close timeout), and later calls fail
     * at once with {@code IllegalStateException("client closed")}. Idempotent.
     */
    @Override
    void close();
}
