package io.execq.sdk;

/**
 * The broker did not accept a request: the producer gave up after its own retries ({@code delivery.timeout.ms}), or
 * the failure was not retriable (a missing topic, failed authentication; a missing ACL is the subclass
 * {@link SubmitNotAuthorizedException}). The cause is the Kafka client's exception. The request may be resubmitted
 * with the same id; executors see at most what the broker acknowledged.
 */
public class SubmitException extends RuntimeException {

    private final String requestId;
    private final String topic;

    public SubmitException(String requestId, String topic, Throwable cause) {
        this(requestId, topic, "request " + requestId + " was not accepted by topic " + topic + ": " + cause, cause);
    }

    /** For subclasses that say more precisely why the request was refused. */
    protected SubmitException(String requestId, String topic, String message, Throwable cause) {
        super(message, cause);
        this.requestId = requestId;
        this.topic = topic;
    }

    public String requestId() {
        return requestId;
    }

    /** The requests topic the request was sent to. */
    public String topic() {
        return topic;
    }
}
