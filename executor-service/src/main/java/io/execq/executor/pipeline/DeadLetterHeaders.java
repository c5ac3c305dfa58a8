package io.execq.executor.pipeline;

/**
 * Header names on dead-letter records; {@code execq replay} and operators read them. The names are defined once, in the
 * SDK's replay library ({@link io.execq.sdk.replay.DeadLetterHeaders}), which reads them.
 */
public final class DeadLetterHeaders {

    /** The result status (FAILED, TIMED_OUT, OOM_KILLED, REJECTED, EXPIRED, ERROR) or UNDECODABLE. */
    public static final String REASON = io.execq.sdk.replay.DeadLetterHeaders.REASON;
    /** The human-readable explanation: the result's error, or why the bytes did not decode. */
    public static final String DETAIL = io.execq.sdk.replay.DeadLetterHeaders.DETAIL;
    public static final String REQUEST_ID = io.execq.sdk.replay.DeadLetterHeaders.REQUEST_ID;
    public static final String SOURCE_TOPIC = io.execq.sdk.replay.DeadLetterHeaders.SOURCE_TOPIC;
    public static final String SOURCE_PARTITION = io.execq.sdk.replay.DeadLetterHeaders.SOURCE_PARTITION;
    public static final String SOURCE_OFFSET = io.execq.sdk.replay.DeadLetterHeaders.SOURCE_OFFSET;
    public static final String EXECUTOR_ID = io.execq.sdk.replay.DeadLetterHeaders.EXECUTOR_ID;
    /** ISO-8601 instant the record was dead-lettered. */
    public static final String FAILED_AT = io.execq.sdk.replay.DeadLetterHeaders.FAILED_AT;
    /** The original value's size when the copy went without it (too large for a Kafka record with the headers). */
    public static final String VALUE_OMITTED = io.execq.sdk.replay.DeadLetterHeaders.VALUE_OMITTED;

    private DeadLetterHeaders() {
    }
}
