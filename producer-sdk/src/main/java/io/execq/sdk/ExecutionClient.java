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
     * Stops the client: outstanding {@code execute} futures fail with an {@link IllegalStateException}, requests
     * already handed to the producer are still sent (bounded by the builder's close timeout), and later calls fail
     * at once with {@code IllegalStateException("client closed")}. Idempotent.
     */
    @Override
    void close();
}
