package io.execq.executor.pipeline;

import io.execq.executor.pipeline.offsets.PartitionOffsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's work, owned by the consumer loop's thread: records fetched but not yet decoded, valid
 * requests waiting to start (for a bulkhead slot, a rate-limit permit, a sandbox or their turn), the runs in flight,
 * and the partition's {@link PartitionOffsets commit rule}.
 */
final class PartitionWork {

    /** A valid request of this partition, waiting to start. */
    record Waiting(ConsumerRecord<String, byte[]> record, PreparedRun run, Instant notBefore) {

        long offset() {
            return record.offset();
        }
    }

    final TopicPartition partition;
    final PartitionOffsets offsets;
    final Deque<ConsumerRecord<String, byte[]>> backlog = new ArrayDeque<>();
    /** Prepared requests in offset order. */
    final List<Waiting> ready = new ArrayList<>();
    /** Runs in flight by offset, with the fair-share label value each counts against. */
    final Map<Long, Running> running = new LinkedHashMap<>();
    /** Set when the partition is revoked, lost or rewound: whatever its runs report later is discarded. */
    boolean stale;

    record Running(Future<?> future, String shareKey) {
    }

    PartitionWork(TopicPartition partition, PartitionOffsets offsets) {
        this.partition = partition;
        this.offsets = offsets;
    }

    /** Records taken on and not yet completed: prepared or running (for the offset map's budget). */
    List<Long> pendingOffsets() {
        List<Long> pending = new ArrayList<>(running.keySet());
        ready.forEach(w -> pending.add(w.offset()));
        return pending;
    }

    /** Fetched records not yet started, prepared or not. */
    int queued() {
        return backlog.size() + ready.size();
    }

    /** Drops everything not yet published and interrupts the runs; their containers and processes are removed. */
    void abandon() {
        stale = true;
        backlog.clear();
        ready.clear();
        running.values().forEach(r -> r.future().cancel(true));
        running.clear();
    }
}
