package io.execq.executor.sandbox.docker;

import java.util.Map;
import java.util.Objects;

/**
 * The consumer group a container's executor belongs to: the Kafka cluster, the requests topic by its id, and the
 * group. Every container and volume of an executor that knows its scope carries it as labels, and only an executor
 * of the same scope judges them by membership ({@link OrphanRule}): it alone can ask that group's coordinator
 * whether their owner is still alive.
 *
 * <p>Why the topic id as well as the cluster id: brokers started from the same image with the same formatted cluster
 * id (every Testcontainers {@code KafkaContainer} is {@code 4L6g3nShT-eMCtK--X86sw}) look like one cluster, and two
 * deployments on one Docker host may both use the default group. A topic's id is a random UUID given when it is
 * created, so executors sharing a requests topic are one deployment, and anything else is someone else's.
 *
 * @param clusterId the Kafka cluster id ({@code Admin.describeCluster().clusterId()})
 * @param requestsTopicId the id of the requests topic
 * @param groupId the consumer group of the executors
 */
public record GroupScope(String clusterId, String requestsTopicId, String groupId) {

    public static final String LABEL_KAFKA_CLUSTER = "execq.kafka-cluster";
    public static final String LABEL_REQUESTS_TOPIC_ID = "execq.requests-topic-id";
    public static final String LABEL_GROUP = "execq.group";

    public GroupScope {
        requireText(clusterId, "clusterId");
        requireText(requestsTopicId, "requestsTopicId");
        requireText(groupId, "groupId");
    }

    /** The labels that put a container or volume in this scope. */
    public Map<String, String> labels() {
        return Map.of(LABEL_KAFKA_CLUSTER, clusterId, LABEL_REQUESTS_TOPIC_ID, requestsTopicId, LABEL_GROUP, groupId);
    }

    /** Whether a resource with {@code labels} was created by an executor of this scope. */
    public boolean holds(Map<String, String> labels) {
        return labels != null && clusterId.equals(labels.get(LABEL_KAFKA_CLUSTER))
                && requestsTopicId.equals(labels.get(LABEL_REQUESTS_TOPIC_ID)) && groupId.equals(labels.get(LABEL_GROUP));
    }

    /** Whether {@code labels} name no scope at all (created without one, or before scopes existed). */
    static boolean unscoped(Map<String, String> labels) {
        return labels == null || (!labels.containsKey(LABEL_KAFKA_CLUSTER) && !labels.containsKey(LABEL_REQUESTS_TOPIC_ID)
                && !labels.containsKey(LABEL_GROUP));
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
