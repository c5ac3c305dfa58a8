package io.execq.sdk;

/**
 * The broker refused a request because this client's principal may not write to the requests topic (Kafka ACLs).
 * Not retriable: nothing was written, and resubmitting fails the same way until an administrator grants the
 * principal {@code WRITE} on the topic (see {@code docs/security-kafka.md}). The cause is the Kafka client's
 * authorization exception: a {@code TopicAuthorizationException}, or a {@code ClusterAuthorizationException} when the
 * principal may write to no topic at all (the SDK's idempotent producer is then refused a producer id).
 */
public class SubmitNotAuthorizedException extends SubmitException {

    public SubmitNotAuthorizedException(String requestId, String topic, Throwable cause) {
        super(requestId, topic, "request " + requestId + " was refused: not authorized to write to topic " + topic
                + " (grant this client's principal WRITE on topic " + topic + "): " + cause, cause);
    }
}
