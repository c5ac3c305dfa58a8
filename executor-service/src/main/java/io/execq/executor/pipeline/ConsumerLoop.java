package io.execq.executor.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop, in the shape of the {@code KafkaConsumer} Javadoc's runner: a {@code closed} flag, {@code poll},
 * hand off to the {@link Scheduler}, publish what completed through the {@link ResultPublisher} (one transaction at a
 * time, on the {@link PublishPipeline}'s thread, so polling and starting runs go on while it commits),
 * {@code wakeup()} on shutdown and whenever a run or a transaction ends. {@code poll()} keeps running however long a run takes, so this member never leaves the group; the
 * partitions that are busy are paused instead.
 */
public final class ConsumerLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /**
     * How long completions may wait for more to join their transaction while other runs are still going. A
     * transaction costs the broker about the same for one result as for ten; with nothing else running there is
     * nothing to wait for and the batch goes at once.
     */
    static final Duration PUBLISH_LINGER = Duration.ofMillis(10);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Scheduler scheduler;
    private final ResultPublisher publisher;
    private final PublishPipeline publishing;
    private final PipelineMetrics metrics;
    private final Duration shutdownGrace;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean joined = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile int inFlight;

    public ConsumerLoop(Consumer<String, byte[]> consumer, String topic, Scheduler scheduler,
                        ResultPublisher publisher, PipelineMetrics metrics, Duration shutdownGrace, Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.scheduler = scheduler;
        this.publisher = publisher;
        this.metrics = metrics;
        this.shutdownGrace = shutdownGrace;
        this.clock = clock;
        scheduler.onReport(this::wake);
        this.publishing = new PublishPipeline(publisher, this::wake);
    }

    @Override
    public void run() {
        try {
            publisher.init();
            consumer.subscribe(List.of(topic), new Rebalance());
            while (!closed.get()) {
                step();
            }
            drain();
        } catch (WakeupException e) {
            if (!closed.get()) {
                failure = e;
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("Consumer loop stopped", e);
        } finally {
            scheduler.cancelAll();
            joined.set(false);
            awaitPublishing();
            closeQuietly();
            stopped.countDown();
        }
    }

    /** Stops polling, lets in-flight runs finish within the grace period, commits them, closes. Non-blocking. */
    public void shutdown() {
        if (closed.compareAndSet(false, true)) {
            consumer.wakeup();
        }
    }

    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** True while this member holds an assignment from the group. */
    public boolean joined() {
        return joined.get();
    }

    /** Runs in flight, as of the last loop step. */
    public int inFlight() {
        return inFlight;
    }

    public boolean running() {
        return stopped.getCount() > 0;
    }

    /** Why the loop stopped on its own, if it did. */
    public Throwable failure() {
        return failure;
    }

    private void step() {
        poll();
        settle(false);
        publishAsync();
        scheduler.advance();
        pausePartitions();
    }

    /**
     * Polls for up to {@link #POLL_TIMEOUT}; a finished run cuts the wait short ({@link #wake}), so its result is
     * published at once instead of at the next poll.
     */
    private void poll() {
        Duration timeout = scheduler.completionsWaitingSince()
                .map(since -> Duration.between(clock.instant(), since.plus(PUBLISH_LINGER)))
                .filter(left -> left.compareTo(POLL_TIMEOUT) < 0)
                .map(left -> left.isNegative() ? Duration.ZERO : left)
                .orElse(POLL_TIMEOUT);
        try {
            scheduler.add(consumer.poll(timeout));
        } catch (WakeupException e) {
            // A run reported, or shutdown() was called (the loop condition sees that).
        }
    }

    /** Called by a run's thread when it reports: interrupts a blocking {@code poll()}. Thread-safe. */
    void wake() {
        consumer.wakeup();
    }

    /** Grace period: start nothing new, keep polling (stay in the group) while in-flight runs finish. */
    private void drain() {
        scheduler.stopAdmitting();
        Instant deadline = clock.instant().plus(shutdownGrace);
        while (scheduler.inFlight() > 0 && clock.instant().isBefore(deadline)) {
            consumer.pause(consumer.assignment());
            poll();
            scheduler.advance();
            settle(false);
            publishAsync();
        }
        publishNow();
        if (scheduler.inFlight() > 0) {
            LOG.warn("{} run(s) still going after the {} grace period: killing them; their requests stay "
                    + "uncommitted for another member", scheduler.inFlight(), shutdownGrace);
        }
    }

    /**
     * Hands what completed to the publishing thread when no transaction is in flight; otherwise it waits for the next
     * step (and joins whatever completes meanwhile). The loop polls and starts runs while a transaction commits.
     */
    private void publishAsync() {
        if (!publishing.idle()) {
            return;
        }
        Optional<Instant> since = scheduler.completionsWaitingSince();
        if (since.isEmpty()) {
            return;
        }
        if (scheduler.inFlight() > 0 && clock.instant().isBefore(since.get().plus(PUBLISH_LINGER))) {
            return; // more may complete in a moment; the poll timeout below ends the wait in time
        }
        publishing.start(scheduler.takeCompletions(), consumer.groupMetadata());
    }

    /** Waits for the transaction in flight, then commits everything completed so far (rebalance, shutdown). */
    private void publishNow() {
        settle(true);
        CommitBatch batch = scheduler.takeCompletions();
        if (!batch.isEmpty()) {
            publishing.start(batch, consumer.groupMetadata());
            settle(true);
        }
    }

    /** Applies the outcome of the transaction in flight, if it ended ({@code wait}: once it has). */
    private void settle(boolean wait) {
        publishing.settle(wait).ifPresent(outcome -> {
            if (outcome instanceof PublishPipeline.Aborted aborted) {
                LOG.warn("{}; re-reading what was not committed", aborted.cause().getMessage());
                rewind(aborted.batch());
            } else {
                scheduler.committed(outcome.batch());
            }
        });
    }

    /**
     * Nothing of an aborted batch is visible: each of its partitions goes back to its last commit, and every record
     * from there that the committed offset map does not name as completed is read and run again.
     */
    private void rewind(CommitBatch aborted) {
        Set<TopicPartition> owned = consumer.assignment();
        for (TopicPartition tp : aborted.offsets().keySet()) {
            OptionalLong from = scheduler.rewind(tp);
            if (owned.contains(tp) && from.isPresent()) {
                consumer.seek(tp, from.getAsLong());
            }
        }
    }

    private void pausePartitions() {
        Set<TopicPartition> assignment = consumer.assignment();
        Set<TopicPartition> paused = new HashSet<>(scheduler.partitionsToPause());
        paused.retainAll(assignment);
        Set<TopicPartition> resumed = new HashSet<>(assignment);
        resumed.removeAll(paused);
        consumer.pause(paused);
        consumer.resume(resumed);
        inFlight = scheduler.inFlight();
        metrics.observe(paused.size(), scheduler.queued(), scheduler.waitingForSandbox(), inFlight);
    }

    private void awaitPublishing() {
        try {
            settle(true);
        } catch (RuntimeException e) {
            LOG.warn("The last result transaction failed: {}", e.toString());
        }
        publishing.close();
    }

    private void closeQuietly() {
        try {
            publisher.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the result producer failed", e);
        }
        try {
            consumer.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the consumer failed", e);
        }
    }

    /**
     * The group's committed offsets and maps. A run's {@link #wake} may interrupt the call; the assignment must not
     * go on without the maps (a completed request would run again), so it is retried, and the wakeup it swallowed is
     * passed on to the next poll.
     */
    private Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed(
            Collection<TopicPartition> partitions) {
        boolean woken = false;
        try {
            while (true) {
                try {
                    return consumer.committed(new HashSet<>(partitions));
                } catch (WakeupException e) {
                    woken = true;
                }
            }
        } finally {
            if (woken) {
                consumer.wakeup();
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Commit what already finished while the generation is still ours; what is running is abandoned and
            // will run again on the new owner.
            publishNow();
            scheduler.revoked(partitions);
            LOG.info("Partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Our generation is gone: committing now would be rejected or, worse, race the new owner. A transaction
            // already in flight ends first (it commits nothing of ours, or is fenced).
            settle(true);
            scheduler.revoked(partitions);
            LOG.warn("Partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // The committed offset maps say which records above each committed offset are already completed.
            scheduler.assigned(partitions, partitions.isEmpty() ? Map.of() : committed(partitions));
            joined.set(true);
            LOG.info("Partitions assigned: {}", partitions);
        }
    }
}
