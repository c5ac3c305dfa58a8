package io.execq.executor.pipeline;

import io.execq.executor.control.Cancellations;
import io.execq.executor.pipeline.offsets.PartitionOffsets;
import io.execq.executor.sandbox.Route;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what runs when. The per-record stages, in order:
 * <ol>
 *   <li><b>skip</b> records a previous owner completed (named in the committed offset map);</li>
 *   <li><b>decode</b> and <b>validate</b> ({@link Intake}): undecodable and invalid records complete at once;</li>
 *   <li><b>cancel</b> ({@link #settleCancelled}): a waiting request whose id is cancelled completes as
 *       {@code CANCELLED} without running;</li>
 *   <li><b>admit</b> ({@link StartPicker}): a request starts with a free place in its partition's window
 *       ({@code --max-in-flight-per-partition}), a bulkhead slot ({@code --concurrency}), a rate-limiter permit
 *       ({@code --rate}) and an available sandbox its isolation allows; expired requests complete as {@code EXPIRED};</li>
 *   <li><b>run</b> ({@link RunTask}, on a worker; a cancellation kills it and its result is {@code CANCELLED}) and
 *       <b>build the result</b>;</li>
 *   <li>hand the completions, with each partition's {@linkplain PartitionOffsets commit point}, to the publisher.</li>
 * </ol>
 * Backpressure stays Kafka's: a partition with fetched records that cannot start, or a full window, is reported in
 * {@link #partitionsToPause()} and the loop pauses it. Every method is called from the consumer loop's thread; runs
 * report back through a queue.
 */
public final class Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final Intake intake;
    private final ResultFactory results;
    private final SandboxSelector sandboxes;
    private final Bulkhead bulkhead;
    private final RateLimiter rateLimiter;
    private final RunTask runTask;
    private final ExecutorService workers;
    private final Clock clock;
    private final PipelineMetrics metrics;
    private final SchedulingPolicy policy;
    private final StartPicker picker;
    private final Cancellations cancellations;

    private final Map<TopicPartition, PartitionWork> partitions = new LinkedHashMap<>();
    private final Queue<RunOutcome> reported = new ConcurrentLinkedQueue<>();
    private final List<Completion> completions = new ArrayList<>();
    private boolean admitting = true;
    /** When the oldest completion not yet taken completed (null while there is none). */
    private Instant completionsSince;
    private volatile Runnable onReport = () -> { };

    public Scheduler(RequestValidator validator, ResultFactory results, SandboxSelector sandboxes,
                     Bulkhead bulkhead, RateLimiter rateLimiter, RunTask runTask, ExecutorService workers,
                     Clock clock, PipelineMetrics metrics, SchedulingPolicy policy) {
        this(validator, results, sandboxes, bulkhead, rateLimiter, runTask, workers, clock, metrics, policy,
                Cancellations.none());
    }

    /** A scheduler whose waiting requests {@code cancellations} can cancel before they start. */
    public Scheduler(RequestValidator validator, ResultFactory results, SandboxSelector sandboxes,
                     Bulkhead bulkhead, RateLimiter rateLimiter, RunTask runTask, ExecutorService workers,
                     Clock clock, PipelineMetrics metrics, SchedulingPolicy policy, Cancellations cancellations) {
        this.cancellations = cancellations;
        this.results = results;
        this.intake = new Intake(validator, results);
        this.sandboxes = sandboxes;
        this.bulkhead = bulkhead;
        this.rateLimiter = rateLimiter;
        this.runTask = runTask;
        this.workers = workers;
        this.clock = clock;
        this.metrics = metrics;
        this.policy = policy;
        this.picker = new StartPicker(policy, sandboxes, results);
    }

    /** Called on a run's thread each time a run reports, so the loop can stop waiting in {@code poll()}. */
    public void onReport(Runnable callback) {
        this.onReport = callback;
    }

    /**
     * Newly assigned partitions, with the group's committed offsets ({@code null} or missing: none): records the
     * committed offset map names as completed will be skipped.
     */
    public void assigned(Collection<TopicPartition> assigned, Map<TopicPartition, OffsetAndMetadata> committed) {
        for (TopicPartition tp : assigned) {
            partitions.computeIfAbsent(tp, p -> new PartitionWork(p, offsetsFrom(p, committed.get(p))));
        }
    }

    /** Revoked or lost: nothing of these partitions may be committed by this member any more. */
    public void revoked(Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            PartitionWork work = partitions.remove(tp);
            if (work != null) {
                abandon(work);
            }
        }
        completions.removeIf(c -> revoked.contains(c.partition()));
        if (completions.isEmpty()) {
            completionsSince = null;
        }
    }

    /**
     * A transaction with completions of {@code tp} aborted: forget everything of it since the last commit and return
     * where to read again from (empty: the consumer's position is already right).
     */
    public OptionalLong rewind(TopicPartition tp) {
        PartitionWork old = partitions.remove(tp);
        if (old == null) {
            return OptionalLong.empty();
        }
        abandon(old);
        completions.removeIf(c -> c.partition().equals(tp));
        if (completions.isEmpty()) {
            completionsSince = null;
        }
        OptionalLong from = old.offsets.rewind();
        partitions.put(tp, new PartitionWork(tp, old.offsets));
        return from;
    }

    public void add(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            PartitionWork work = partitions.computeIfAbsent(
                    new TopicPartition(record.topic(), record.partition()), p -> new PartitionWork(p,
                            PartitionOffsets.fromCommitted(null)));
            if (work.offsets.accept(record.offset())) {
                work.backlog.add(record);
            } else {
                metrics.skippedCompleted();
            }
        }
    }

    /** Applies what the runs reported, then decodes, validates and starts whatever may start now. */
    public void advance() {
        collectReported();
        if (!admitting) {
            return;
        }
        Instant now = clock.instant();
        partitions.values().forEach(work -> {
            takeOn(work, now);
            settleCancelled(work);
        });
        List<PartitionWork> order = List.copyOf(partitions.values());
        Optional<StartPicker.Pick> pick;
        while ((pick = picker.next(order, now, this::complete)).isPresent() && start(pick.get())) {
            picker.started(pick.get(), order);
        }
    }

    /**
     * Completions ready to publish, in the order they completed, with the commit point of each partition they belong
     * to. The caller commits them in one transaction, then reports {@link #committed} or {@link #rewind}.
     */
    public CommitBatch takeCompletions() {
        collectReported();
        if (completions.isEmpty()) {
            return CommitBatch.EMPTY;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Completion completion : completions) {
            offsets.computeIfAbsent(completion.partition(), tp -> partitions.get(tp).offsets.commitPoint());
        }
        CommitBatch batch = new CommitBatch(completions, offsets);
        completions.clear();
        completionsSince = null;
        return batch;
    }

    /** Since when completions wait to be taken, after applying what the runs reported; empty when none does. */
    public Optional<Instant> completionsWaitingSince() {
        collectReported();
        return Optional.ofNullable(completionsSince);
    }

    /** {@code batch}'s transaction committed: its offsets are what a rewind goes back to. */
    public void committed(CommitBatch batch) {
        batch.offsets().forEach((tp, point) -> {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
                work.offsets.committed(point);
            }
        });
    }

    /**
     * Partitions to keep paused: those with fetched records that cannot start now (no slot, no sandbox, offset map
     * full, not their turn) and those whose window is full. The others are resumed and fetch more.
     */
    public Set<TopicPartition> partitionsToPause() {
        return partitions.values().stream()
                .filter(w -> w.queued() > 0 || w.running.size() >= policy.window())
                .map(w -> w.partition).collect(Collectors.toSet());
    }

    public int inFlight() {
        return partitions.values().stream().mapToInt(w -> w.running.size()).sum();
    }

    /** Fetched requests not yet started, of every partition. */
    public int queued() {
        return partitions.values().stream().mapToInt(PartitionWork::queued).sum();
    }

    /** Requests waiting only because no allowed sandbox is available. */
    public int waitingForSandbox() {
        return (int) partitions.values().stream().flatMap(w -> w.ready.stream())
                .filter(w -> sandboxes.route(w.run().isolation()) instanceof Route.Unavailable).count();
    }

    /** Shutdown: start nothing new and forget what was fetched but not started (it stays uncommitted). */
    public void stopAdmitting() {
        admitting = false;
        for (PartitionWork work : partitions.values()) {
            work.backlog.clear();
            work.ready.clear();
        }
    }

    /** Interrupts every run; their containers and processes are removed, their records stay uncommitted. */
    public void cancelAll() {
        partitions.values().forEach(this::abandon);
        partitions.clear();
        completions.clear();
        completionsSince = null;
    }

    /** Decodes and validates fetched records while the partition's offset map has room for their completion. */
    private void takeOn(PartitionWork work, Instant now) {
        ConsumerRecord<String, byte[]> record;
        while ((record = work.backlog.peek()) != null) {
            if (!work.offsets.mayAdmit(record.offset(), work.pendingOffsets())) {
                return; // the offset map is full until the low-water mark moves; the partition stays paused
            }
            work.backlog.poll();
            Intake.Taken taken = intake.take(record, now);
            if (taken instanceof Intake.Valid valid) {
                work.ready.add(valid.waiting());
            } else {
                complete(work, ((Intake.Done) taken).completion());
            }
        }
    }

    /**
     * The cancel stage: a waiting request whose id is cancelled completes as {@code CANCELLED} without running, at
     * once, whatever it waits for (a slot, its turn, a sandbox).
     */
    private void settleCancelled(PartitionWork work) {
        for (Iterator<PartitionWork.Waiting> it = work.ready.iterator(); it.hasNext(); ) {
            PartitionWork.Waiting waiting = it.next();
            if (cancellations.isCancelled(waiting.run().requestId())) {
                it.remove();
                cancellations.notStarted();
                complete(work, Completion.of(waiting.record(), results.cancelledBeforeStart(waiting.run().request())));
            }
        }
    }

    private boolean start(StartPicker.Pick pick) {
        if (!bulkhead.tryAcquirePermission()) {
            return false;
        }
        if (!rateLimiter.acquirePermission()) {
            bulkhead.releasePermission();
            return false;
        }
        PartitionWork work = pick.work();
        PartitionWork.Waiting waiting = pick.waiting();
        work.ready.remove(waiting);
        try {
            work.running.put(waiting.offset(), new PartitionWork.Running(workers.submit(() -> {
                try {
                    reported.add(runTask.run(work, waiting));
                } finally {
                    bulkhead.onComplete();
                    onReport.run();
                }
            }), pick.shareKey()));
            return true;
        } catch (RuntimeException e) {
            bulkhead.releasePermission();
            work.ready.add(0, waiting);
            throw e;
        }
    }

    private void collectReported() {
        RunOutcome outcome;
        while ((outcome = reported.poll()) != null) {
            PartitionWork work = outcome.work();
            if (work.stale) {
                continue; // revoked, lost or rewound meanwhile: another owner (or a re-read) completes it
            }
            PartitionWork.Running run = work.running.remove(outcome.offset());
            if (run != null) {
                picker.ended(run.shareKey());
            }
            if (outcome instanceof RunOutcome.Finished finished) {
                complete(work, finished.completion());
            } else if (outcome instanceof RunOutcome.Requeue requeue && admitting) {
                work.ready.add(requeue.waiting());
                work.ready.sort(Comparator.comparingLong(PartitionWork.Waiting::offset));
            }
        }
    }

    private void complete(PartitionWork work, Completion completion) {
        work.offsets.completed(completion.offset());
        if (completions.isEmpty()) {
            completionsSince = clock.instant();
        }
        completions.add(completion);
        metrics.completed(completion);
    }

    private void abandon(PartitionWork work) {
        work.running.values().forEach(run -> picker.ended(run.shareKey()));
        work.abandon();
    }

    private static PartitionOffsets offsetsFrom(TopicPartition tp, OffsetAndMetadata committed) {
        try {
            return PartitionOffsets.fromCommitted(committed);
        } catch (IllegalArgumentException e) {
            LOG.error("Committed offset map of {} is corrupt ({}); records completed above offset {} may run again",
                    tp, e.getMessage(), committed.offset());
            return PartitionOffsets.fromCommittedOffsetOnly(committed.offset());
        }
    }
}
