package io.execq.sdk;

/**
 * The broker did not accept a request: the producer gave up after its own retries ({@code delivery.timeout.ms}), or
 * the failure was not retriable (authorization, a missing topic). The cause is the Kafka client's exception. The
 * request may be resubmitted with the same id; executors see at most what the broker acknowledged.
 */
public class SubmitException extends RuntimeException {

    private final String requestId;

    public SubmitException(String requestId, String topic, Throwable cause) {
        super("request " + requestId + " was not accepted by topic " + topic + ": " + cause, cause);
        this.requestId = requestId;
    }

    public String requestId() {
        return requestId;
    }
}
