package io.execq.sdk;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Hands every committed {@code ExecutionResult} to a {@link ResultHandler}, as a member of a Kafka consumer group:
 * the way a downstream service (billing, notifications, a results store) consumes execq's output.
 *
 * <pre>{@code
 * ResultSubscriber subscriber = ResultSubscriber.builder()
 *         .bootstrapServers("127.0.0.1:9092")
 *         .groupId("billing")
 *         .handler(result -> billing.record(result.getRequestId(), result.getRunMs()))
 *         .build();
 * ...
 * subscriber.close();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Only results of committed executor transactions are delivered ({@code isolation.level=read_committed}):
 *       a result from an aborted or still-open transaction is never seen.</li>
 *   <li>Offsets are committed synchronously after the handler has returned for the results of a poll, so a result
 *       is committed only once it was handled. Instances of the same group share the partitions; each result goes
 *       to one of them.</li>
 *   <li>A new group starts from the earliest retained result (override with the {@code auto.offset.reset} Kafka
 *       property).</li>
 *   <li>Records that are not readable results are skipped with a logged warning and counted in
 *       {@link #skippedRecords()}; they never stop the subscriber.</li>
 * </ul>
 *
 * <h2>When the handler throws</h2>
 * The subscriber stops. The results handled before the failing one are committed; the failing one is not, so the
 * next subscriber of the group receives it again. {@link #termination()} fails with the handler's exception. Nothing
 * is retried in place: a handler that wants retries should retry inside itself.
 *
 * <p>The builder starts the subscriber's thread; {@link #close()} stops it.
 */
public interface ResultSubscriber extends AutoCloseable {

    /** A builder for the Kafka implementation. */
    static ResultSubscriberBuilder builder() {
        return new ResultSubscriberBuilder();
    }

    /**
     * Completes when the subscriber has stopped and released its consumer: normally after {@link #close()},
     * exceptionally with the handler's exception, or with the Kafka error that stopped the loop.
     */
    CompletableFuture<Void> termination();

    /** Waits up to {@code timeout} for the subscriber to stop; true if it has. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** How many records were skipped because they were not readable results. */
    long skippedRecords();

    /**
     * Stops the subscriber: lets the handler finish the result in hand, commits what was handled, leaves the group
     * and waits for the thread to end. May be called from the handler itself, in which case it does not wait.
     * Idempotent.
     */
    @Override
    void close();
}
