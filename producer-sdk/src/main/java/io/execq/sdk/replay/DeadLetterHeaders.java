package io.execq.sdk.replay;

/**
 * Header names on dead-letter records. Executors write them (the executor's own {@code DeadLetterHeaders} refers to
 * these constants, so the names are defined once); {@link Replayer} and operators read them. Values are UTF-8 text.
 */
public final class DeadLetterHeaders {

    /** The result status (FAILED, TIMED_OUT, OOM_KILLED, REJECTED, EXPIRED, ERROR) or {@value #UNDECODABLE}. */
    public static final String REASON = "execq.dlt.reason";
    /** The human-readable explanation: the result's error, or why the bytes did not decode. */
    public static final String DETAIL = "execq.dlt.detail";
    /** The request id of the dead-lettered request (absent when the bytes did not decode). */
    public static final String REQUEST_ID = "execq.request-id";
    public static final String SOURCE_TOPIC = "execq.source.topic";
    public static final String SOURCE_PARTITION = "execq.source.partition";
    public static final String SOURCE_OFFSET = "execq.source.offset";
    public static final String EXECUTOR_ID = "execq.executor-id";
    /** ISO-8601 instant the record was dead-lettered. */
    public static final String FAILED_AT = "execq.dlt.at";
    /**
     * Present when the dead letter carries no value because the copy would not fit in a Kafka record: the original
     * value's size in bytes. The original stays in the requests topic at the source position.
     */
    public static final String VALUE_OMITTED = "execq.dlt.value-omitted";

    /** The {@link #REASON} of a record whose bytes are not a readable {@code ExecutionRequest}. */
    public static final String UNDECODABLE = "UNDECODABLE";

    private DeadLetterHeaders() {
    }
}
