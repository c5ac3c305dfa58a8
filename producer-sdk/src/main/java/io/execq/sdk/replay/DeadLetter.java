package io.execq.sdk.replay;

import io.execq.schema.ExecutionRequest;
import java.time.Instant;
import java.util.Objects;

/**
 * One record of the dead-letter topic, as {@link Replayer} reads it.
 *
 * @param topic the dead-letter topic
 * @param partition its partition
 * @param offset its offset; together with topic and partition the record's identity, which the replay ledger keys on
 * @param key the record key (the original request id, or whatever key an undecodable record had; may be null)
 * @param requestId the request id header, or null when the record is undecodable
 * @param reason the {@link DeadLetterHeaders#REASON} header: a result status name or {@code UNDECODABLE}
 * @param detail the {@link DeadLetterHeaders#DETAIL} header; empty when absent
 * @param failedAt when the executor dead-lettered it; null when the header is missing or unreadable
 * @param request the original request, or null when the value is not a readable request
 */
public record DeadLetter(
        String topic,
        int partition,
        long offset,
        String key,
        String requestId,
        String reason,
        String detail,
        Instant failedAt,
        ExecutionRequest request) {

    public DeadLetter {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code topic/partition/offset}: the key of this record's entry in the replay ledger. */
    public String position() {
        return topic + "/" + partition + "/" + offset;
    }

    /** True when the value is not a readable request; such records are listed but never replayed. */
    public boolean undecodable() {
        return request == null;
    }
}
