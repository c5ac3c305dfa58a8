package io.execq.executor.pipeline;

/** Header names on dead-letter records; {@code execq replay} and operators read them. */
public final class DeadLetterHeaders {

    /** The result status (FAILED, TIMED_OUT, OOM_KILLED, REJECTED, EXPIRED, ERROR) or UNDECODABLE. */
    public static final String REASON = "execq.dlt.reason";
    /** The human-readable explanation: the result's error, or why the bytes did not decode. */
    public static final String DETAIL = "execq.dlt.detail";
    public static final String REQUEST_ID = "execq.request-id";
    public static final String SOURCE_TOPIC = "execq.source.topic";
    public static final String SOURCE_PARTITION = "execq.source.partition";
    public static final String SOURCE_OFFSET = "execq.source.offset";
    public static final String EXECUTOR_ID = "execq.executor-id";
    /** ISO-8601 instant the record was dead-lettered. */
    public static final String FAILED_AT = "execq.dlt.at";

    private DeadLetterHeaders() {
    }
}
