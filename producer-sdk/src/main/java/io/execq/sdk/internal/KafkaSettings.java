package io.execq.sdk.internal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client properties of the SDK's producer and consumers, in three layers: execq's defaults, then the
 * user's properties (TLS, SASL, tuning), then the few settings the SDK's guarantees depend on, which always win.
 */
public final class KafkaSettings {

    /** 16 MiB, the brokers' {@code max.message.bytes} for the execq topics. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 << 20;
    /** Enough for one result at the largest size a broker accepts, in a single fetch. */
    static final int MAX_PARTITION_FETCH_BYTES = 16 << 20;
    static final int FETCH_MAX_BYTES = 64 << 20;

    private final Map<String, Object> user;

    public KafkaSettings(String bootstrapServers, Map<String, ?> userProperties) {
        Map<String, Object> merged = new HashMap<>(userProperties);
        if (bootstrapServers != null) {
            merged.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        Object servers = merged.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (servers == null || servers.toString().isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must be set");
        }
        this.user = Map.copyOf(merged);
    }

    /** Idempotent, {@code acks=all}; keys and values are bytes because the SDK serializes (and sizes) them itself. */
    public Map<String, Object> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, DEFAULT_MAX_REQUEST_BYTES);
        props.putAll(user);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    /** The effective {@code max.request.size} of {@link #producer()}. */
    public int maxRequestBytes() {
        Object value = producer().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " must be an integer, got "
                    + value, e);
        }
    }

    /**
     * The client's result reader: assigned partitions, no group, {@code read_committed} so that only results of
     * committed executor transactions are seen, and no topic auto-creation (a missing results topic is an error,
     * not a one-partition topic).
     */
    public Map<String, Object> resultReader() {
        Map<String, Object> props = consumerDefaults();
        props.putAll(user);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return enforceConsumer(props);
    }

    /**
     * The reader of the output topic: as {@link #resultReader()}, but {@code read_uncommitted}: output chunks are
     * published outside transactions.
     */
    public Map<String, Object> outputReader() {
        Map<String, Object> props = resultReader();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return props;
    }

    /** A {@code ResultSubscriber}'s group member: read_committed, manual commits, from the earliest retained result. */
    public Map<String, Object> subscriber(String groupId) {
        Map<String, Object> props = consumerDefaults();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.putAll(user);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return enforceConsumer(props);
    }

    private static Map<String, Object> consumerDefaults() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_PARTITION_FETCH_BYTES);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_MAX_BYTES);
        return props;
    }

    private static Map<String, Object> enforceConsumer(Map<String, Object> props) {
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }
}
