package io.execq.executor.pipeline;

import io.execq.executor.sandbox.Route;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.UndecodableRecordException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what runs when. Runs the per-record stages in order — decode, validate, admit, run (on a worker), build
 * result — and keeps the guarantees that make backpressure work:
 * <ul>
 *   <li>at most one record in flight per partition, so offsets commit in order;</li>
 *   <li>a run starts only with a bulkhead slot ({@code --concurrency}), a rate-limiter permit ({@code --rate}) and an
 *       available sandbox its isolation allows; until then the record waits at its partition's head;</li>
 *   <li>a partition with anything fetched, waiting or running is reported {@linkplain #busyPartitions() busy}, and
 *       the loop pauses it, so Kafka, not this process's memory, holds the queue;</li>
 *   <li>a waiting request whose deadline passes gets {@code EXPIRED} without running.</li>
 * </ul>
 * Every method is called from the consumer loop's thread; runs report back through a queue.
 */
public final class Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final ExecutionRequestDeserializer decoder = new ExecutionRequestDeserializer();
    private final RequestValidator validator;
    private final ResultFactory results;
    private final SandboxSelector sandboxes;
    private final Bulkhead bulkhead;
    private final RateLimiter rateLimiter;
    private final RunTask runTask;
    private final ExecutorService workers;
    private final Clock clock;
    private final PipelineMetrics metrics;

    private final Map<TopicPartition, PartitionWork> partitions = new LinkedHashMap<>();
    private final Queue<RunOutcome> reported = new ConcurrentLinkedQueue<>();
    private final List<Completion> completions = new ArrayList<>();
    private boolean admitting = true;
    private int rotation;

    public Scheduler(RequestValidator validator, ResultFactory results, SandboxSelector sandboxes,
                     Bulkhead bulkhead, RateLimiter rateLimiter, RunTask runTask, ExecutorService workers,
                     Clock clock, PipelineMetrics metrics) {
        this.validator = validator;
        this.results = results;
        this.sandboxes = sandboxes;
        this.bulkhead = bulkhead;
        this.rateLimiter = rateLimiter;
        this.runTask = runTask;
        this.workers = workers;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void assigned(Collection<TopicPartition> assigned) {
        assigned.forEach(tp -> partitions.computeIfAbsent(tp, PartitionWork::new));
    }

    /** Revoked or lost: nothing of these partitions may be committed by this member any more. */
    public void revoked(Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            PartitionWork work = partitions.remove(tp);
            if (work != null) {
                work.abandon();
            }
        }
        completions.removeIf(c -> revoked.contains(c.partition()));
    }

    /** Forgets what was fetched for {@code tp} (after an aborted transaction the loop seeks back). */
    public void reset(TopicPartition tp) {
        PartitionWork old = partitions.remove(tp);
        if (old != null) {
            old.abandon();
            partitions.put(tp, new PartitionWork(tp));
        }
    }

    public void add(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            PartitionWork work = partitions.computeIfAbsent(
                    new TopicPartition(record.topic(), record.partition()), PartitionWork::new);
            work.backlog.add(record);
        }
    }

    /** Applies what the runs reported, then starts whatever may start now. */
    public void advance() {
        collectReported();
        if (!admitting) {
            return;
        }
        List<PartitionWork> order = new ArrayList<>(partitions.values());
        int n = order.size();
        // Rotate the starting partition so that no partition always gets the free slot first.
        for (int i = 0; i < n; i++) {
            advance(order.get((rotation + i) % n));
        }
        rotation = n == 0 ? 0 : (rotation + 1) % n;
    }

    /** Completions ready to publish, in the order they completed; the caller commits them. */
    public List<Completion> takeCompletions() {
        collectReported();
        List<Completion> taken = List.copyOf(completions);
        completions.clear();
        return taken;
    }

    /** Partitions with anything fetched, waiting or running: the loop keeps these paused. */
    public Set<TopicPartition> busyPartitions() {
        return partitions.values().stream().filter(PartitionWork::busy).map(w -> w.partition)
                .collect(Collectors.toSet());
    }

    public int inFlight() {
        return (int) partitions.values().stream().filter(w -> w.running != null).count();
    }

    /** Requests waiting only because no allowed sandbox is available. */
    public int waitingForSandbox() {
        return (int) partitions.values().stream().filter(w -> w.waitingForSandbox).count();
    }

    /** Shutdown: start nothing new and forget what was fetched but not started (it stays uncommitted). */
    public void stopAdmitting() {
        admitting = false;
        for (PartitionWork work : partitions.values()) {
            work.backlog.clear();
            work.head = null;
            work.waitingForSandbox = false;
        }
    }

    /** Interrupts every run; their containers and processes are removed, their records stay uncommitted. */
    public void cancelAll() {
        partitions.values().forEach(PartitionWork::abandon);
        partitions.clear();
        completions.clear();
    }

    private void advance(PartitionWork work) {
        Instant now = clock.instant();
        while (work.running == null) {
            if (work.head == null && !prepareNext(work, now)) {
                return;
            }
            PartitionWork.Waiting head = work.head;
            ExecutionRequest request = head.run().request();
            if (request.getDeadline() != null && now.isAfter(request.getDeadline())) {
                complete(Completion.of(head.record(), results.expired(request)));
                work.head = null;
                work.waitingForSandbox = false;
                continue;
            }
            if (now.isBefore(head.notBefore())) {
                return;
            }
            if (sandboxes.route(head.run().isolation()) instanceof Route.Unavailable unavailable) {
                if (!unavailable.waitable()) {
                    // Waiting cannot help (the policy forbids the only sandbox the request allows).
                    complete(Completion.of(head.record(), results.rejected(request, unavailable.reason())));
                    work.head = null;
                    work.waitingForSandbox = false;
                    continue;
                }
                work.waitingForSandbox = true;
                return;
            }
            work.waitingForSandbox = false;
            if (!acquireSlot()) {
                return;
            }
            start(work, head);
        }
    }

    /** Decodes and validates backlog records until one may run; the others complete at once. */
    private boolean prepareNext(PartitionWork work, Instant now) {
        ConsumerRecord<String, byte[]> record;
        while ((record = work.backlog.poll()) != null) {
            ExecutionRequest request;
            try {
                request = decoder.deserialize(record.topic(), record.value());
                if (request == null) {
                    throw new UndecodableRecordException(UndecodableRecordException.Reason.EMPTY,
                            "null value (tombstone) where an ExecutionRequest was expected", null);
                }
            } catch (UndecodableRecordException e) {
                LOG.warn("Undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage());
                complete(Completion.undecodable(record, e.getMessage()));
                continue;
            }
            try {
                PreparedRun run = validator.prepare(request, record.key(),
                        record.value() == null ? 0 : record.value().length);
                work.head = new PartitionWork.Waiting(record, run, now);
                return true;
            } catch (RequestRejectedException e) {
                LOG.info("Rejected request {}: {}", request.getRequestId(), e.getMessage());
                complete(Completion.of(record, results.rejected(request, e.getMessage())));
            }
        }
        return false;
    }

    private boolean acquireSlot() {
        if (!bulkhead.tryAcquirePermission()) {
            return false;
        }
        if (!rateLimiter.acquirePermission()) {
            bulkhead.releasePermission();
            return false;
        }
        return true;
    }

    private void start(PartitionWork work, PartitionWork.Waiting head) {
        work.head = null;
        work.waitingForSandbox = false;
        try {
            work.running = workers.submit(() -> {
                try {
                    reported.add(runTask.run(work, head));
                } finally {
                    bulkhead.onComplete();
                }
            });
        } catch (RuntimeException e) {
            bulkhead.releasePermission();
            work.head = head;
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
            work.running = null;
            if (outcome instanceof RunOutcome.Finished finished) {
                complete(finished.completion());
            } else if (outcome instanceof RunOutcome.Requeue requeue) {
                work.head = admitting ? requeue.waiting() : null;
            }
        }
    }

    private void complete(Completion completion) {
        completions.add(completion);
        metrics.completed(completion);
    }
}
