package io.execq.executor.pipeline;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;

/**
 * Commits one {@link CommitBatch} at a time on a thread of its own, so the consumer loop keeps polling, starting runs
 * and collecting completions while a transaction commits; what completes meanwhile goes into the next batch. Only
 * one transaction is ever in flight: the next batch's commit points are computed after the previous outcome is known
 * (see {@link ConsumerLoop}). Methods other than the publishing itself are called from the loop's thread.
 */
final class PublishPipeline implements AutoCloseable {

    /** How a batch's transaction ended. */
    sealed interface Outcome {
        CommitBatch batch();
    }

    record Committed(CommitBatch batch) implements Outcome {
    }

    record Aborted(CommitBatch batch, PublishAbortedException cause) implements Outcome {
    }

    private final ResultPublisher publisher;
    private final Runnable onDone;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "execq-publisher");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Outcome> inFlight;

    /**
     * @param onDone called on the publishing thread when a transaction ended (the loop wakes up to settle it)
     */
    PublishPipeline(ResultPublisher publisher, Runnable onDone) {
        this.publisher = publisher;
        this.onDone = onDone;
    }

    boolean idle() {
        return inFlight == null;
    }

    /** Starts committing {@code batch}; the pipeline must be {@linkplain #idle() idle}. */
    void start(CommitBatch batch, ConsumerGroupMetadata group) {
        if (inFlight != null) {
            throw new IllegalStateException("a transaction is already in flight");
        }
        inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                publisher.publish(batch, group);
                return (Outcome) new Committed(batch);
            } catch (PublishAbortedException e) {
                return new Aborted(batch, e);
            }
        }, thread);
        inFlight.whenComplete((outcome, failure) -> onDone.run()); // runs once inFlight is done
    }

    /**
     * The outcome of the transaction in flight once it has ended ({@code wait}: block until then); empty while none
     * is in flight or, without {@code wait}, while it still runs.
     *
     * @throws FatalPublishException the producer can no longer commit
     */
    Optional<Outcome> settle(boolean wait) {
        if (inFlight == null || (!wait && !inFlight.isDone())) {
            return Optional.empty();
        }
        try {
            return Optional.of(inFlight.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FatalPublishException("interrupted while a transaction was committing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new FatalPublishException("publishing failed: " + e.getCause(), e.getCause());
        } finally {
            if (inFlight.isDone()) {
                inFlight = null;
            }
        }
    }

    /** Waits for the transaction in flight, if any, and stops the thread; the publisher itself is closed elsewhere. */
    @Override
    public void close() {
        thread.shutdown();
    }
}
