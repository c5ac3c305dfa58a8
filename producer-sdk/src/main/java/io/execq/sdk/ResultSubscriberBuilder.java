package io.execq.sdk;

import io.execq.sdk.internal.KafkaResultSubscriber;
import io.execq.sdk.internal.KafkaSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Configures a {@link ResultSubscriber}. Obtain one from {@link ResultSubscriber#builder()}. A group id and a handler
 * are required.
 *
 * <p>Kafka consumer properties pass through ({@link #kafkaProperty}) except those the subscriber's guarantees depend
 * on: {@code group.id} (set with {@link #groupId}), {@code isolation.level=read_committed},
 * {@code enable.auto.commit=false} and the byte-array deserializers.
 */
public final class ResultSubscriberBuilder {

    private String bootstrapServers;
    private final Map<String, Object> kafkaProperties = new LinkedHashMap<>();
    private String resultsTopic = ExecutionClientBuilder.DEFAULT_RESULTS_TOPIC;
    private String groupId;
    private ResultHandler handler;

    ResultSubscriberBuilder() {
    }

    /** {@code host:port} pairs, comma-separated. Required, unless given as the {@code bootstrap.servers} property. */
    public ResultSubscriberBuilder bootstrapServers(String bootstrapServers) {
        this.bootstrapServers = requireNotBlank(bootstrapServers, "bootstrapServers");
        return this;
    }

    /** Sets one Kafka consumer property. */
    public ResultSubscriberBuilder kafkaProperty(String key, Object value) {
        kafkaProperties.put(requireNotBlank(key, "kafka property key"),
                Objects.requireNonNull(value, "kafka property " + key));
        return this;
    }

    /** Sets each of {@code properties}. */
    public ResultSubscriberBuilder kafkaProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties").forEach((key, value) -> kafkaProperty(key.toString(), value));
        return this;
    }

    /** The topic results are read from. Default: {@value ExecutionClientBuilder#DEFAULT_RESULTS_TOPIC}. */
    public ResultSubscriberBuilder resultsTopic(String topic) {
        this.resultsTopic = requireNotBlank(topic, "resultsTopic");
        return this;
    }

    /** The consumer group: subscribers with the same id share the results, each group sees all of them. */
    public ResultSubscriberBuilder groupId(String groupId) {
        this.groupId = requireNotBlank(groupId, "groupId");
        return this;
    }

    /** What to do with each result. */
    public ResultSubscriberBuilder handler(ResultHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Creates the subscriber and starts its thread.
     *
     * @throws IllegalArgumentException if the bootstrap servers, group id or handler are missing, or a Kafka property
     *     is invalid
     */
    public ResultSubscriber build() {
        if (groupId == null) {
            throw new IllegalArgumentException("groupId must be set");
        }
        if (handler == null) {
            throw new IllegalArgumentException("handler must be set");
        }
        KafkaSettings settings = new KafkaSettings(bootstrapServers, kafkaProperties);
        return KafkaResultSubscriber.start(settings.subscriber(groupId), resultsTopic, handler);
    }

    private static String requireNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
