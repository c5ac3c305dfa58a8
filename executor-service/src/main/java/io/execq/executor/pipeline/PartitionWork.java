package io.execq.executor.pipeline;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's work, owned by the consumer loop's thread: records fetched but not started, the head
 * record waiting for a bulkhead slot, a rate-limit permit or a sandbox, and the one run in flight.
 */
final class PartitionWork {

    /** A valid request at the head of its partition, waiting to start. */
    record Waiting(ConsumerRecord<String, byte[]> record, PreparedRun run, Instant notBefore) {
    }

    final TopicPartition partition;
    final Deque<ConsumerRecord<String, byte[]>> backlog = new ArrayDeque<>();
    Waiting head;
    Future<?> running;
    /** Set when the partition is revoked, lost or rewound: whatever its run reports later is discarded. */
    boolean stale;
    /** The head waits because no allowed sandbox is available (for readiness and logs). */
    boolean waitingForSandbox;

    PartitionWork(TopicPartition partition) {
        this.partition = partition;
    }

    boolean busy() {
        return running != null || head != null || !backlog.isEmpty();
    }

    /** Drops everything not yet published and interrupts the run; its container or process is removed. */
    void abandon() {
        stale = true;
        backlog.clear();
        head = null;
        waitingForSandbox = false;
        if (running != null) {
            running.cancel(true);
            running = null;
        }
    }
}
