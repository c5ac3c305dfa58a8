package io.execq.sdk;

/**
 * The client's result reader was refused the results topic (Kafka ACLs), so {@link ExecutionClient#execute} cannot
 * wait for any result. When the refusal comes before the reader is positioned (no {@code DESCRIBE} on the topic), the
 * request is not sent; when it comes at the first fetch (no {@code READ}), the request has been sent and may run.
 * Grant this client's principal {@code READ} on the results topic, or use {@link ExecutionClient#submit} only (see
 * {@code docs/security-kafka.md}). The cause is the Kafka client's {@code TopicAuthorizationException}. An
 * {@link IllegalStateException}, like every other failure of the result reader.
 */
public class ResultsNotAuthorizedException extends IllegalStateException {

    private final String topic;

    public ResultsNotAuthorizedException(String topic, Throwable cause) {
        super("not authorized to read results topic " + topic + " (grant this client's principal READ on topic "
                + topic + "): " + cause, cause);
        this.topic = topic;
    }

    /** The results topic the principal may not read. */
    public String topic() {
        return topic;
    }
}
