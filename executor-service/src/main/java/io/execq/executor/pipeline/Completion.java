package io.execq.executor.pipeline;

import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A request record that is done with: what to publish for it, committed together with its offset.
 *
 * @param record the original record, as consumed
 * @param result the result to publish; empty only for undecodable records
 * @param deadLetterReason why a copy of the original goes to the dead-letter topic; empty for a success or a
 *     cancellation
 * @param detail the human-readable explanation carried in the dead-letter headers
 */
public record Completion(ConsumerRecord<String, byte[]> record, Optional<ExecutionResult> result,
                         Optional<String> deadLetterReason, String detail) {

    /** The dead-letter reason for records that never decoded. */
    public static final String UNDECODABLE = "UNDECODABLE";

    /**
     * Whether a result of {@code status} is copied to the dead-letter topic for an operator: every status but a
     * success and a cancellation (the caller's own wish, nothing to repair or replay).
     */
    public static boolean deadLettered(ExecutionStatus status) {
        return status != ExecutionStatus.SUCCEEDED && status != ExecutionStatus.CANCELLED;
    }

    public static Completion of(ConsumerRecord<String, byte[]> record, ExecutionResult result) {
        boolean failed = deadLettered(result.getStatus());
        return new Completion(record, Optional.of(result),
                failed ? Optional.of(result.getStatus().name()) : Optional.empty(),
                result.getError() == null ? "" : result.getError());
    }

    public static Completion undecodable(ConsumerRecord<String, byte[]> record, String detail) {
        return new Completion(record, Optional.empty(), Optional.of(UNDECODABLE), detail);
    }

    public TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    public long offset() {
        return record.offset();
    }
}
