package io.execq.executor;

import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.pipeline.ResultPublisher;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka client configurations of an executor: the operator's pass-through properties (TLS, SASL, ...) first,
 * then the settings execq's guarantees depend on, which the operator cannot override by accident. Public so that
 * {@code execq bench}'s Kafka floor measures exactly these settings.
 */
public final class KafkaClients {

    /**
     * The request consumer's {@code client.id} is the executor id plus this, which the operator cannot override: it is
     * how an executor is recognised among the group's members ({@link #executorIdOfMember}). Not
     * {@code group.instance.id}: static membership would keep a dead member's partitions until its session expired
     * even on a clean shutdown, and fence a second executor started with the same id.
     */
    static final String REQUEST_CONSUMER_SUFFIX = "-requests";

    private KafkaClients() {
    }

    /** The executor id of a consumer group member with {@code clientId}, if it is an executor's request consumer. */
    static java.util.Optional<String> executorIdOfMember(String clientId) {
        if (clientId == null || !clientId.endsWith(REQUEST_CONSUMER_SUFFIX)
                || clientId.length() == REQUEST_CONSUMER_SUFFIX.length()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(clientId.substring(0, clientId.length() - REQUEST_CONSUMER_SUFFIX.length()));
    }

    static Map<String, Object> admin(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = base(config, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, config.executorId() + "-admin");
        return props;
    }

    /** One transaction per batch of results; the transactional id fences an earlier life of this executor. */
    public static Map<String, Object> transactionalProducer(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = base(config, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.executorId() + "-results");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ResultPublisher.transactionalId(config.executorId()));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicSettings.DEFAULT_MAX_MESSAGE_BYTES);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A batch's records are sent back to back inside one transaction: lingering only delays the commit.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        // A transaction holds a batch of finished runs for milliseconds; if this executor dies inside one, the
        // partitions' next owner cannot read committed offsets until it times out, so keep that short.
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        return props;
    }

    /**
     * Streamed output chunks: idempotent ({@code acks=all}) but not transactional, and never blocking its one sending
     * thread for long: a broker that does not take chunks makes the runs drop them (see
     * {@link io.execq.executor.output.OutputPublisher}).
     */
    public static Map<String, Object> outputProducer(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = base(config, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.executorId() + "-output");
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L << 20);
        return props;
    }

    /**
     * Values stay bytes: decoding is a pipeline stage, so an undecodable record becomes a dead letter instead of
     * an exception inside {@code poll()}.
     */
    public static Map<String, Object> requestConsumer(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = base(config, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.executorId() + REQUEST_CONSUMER_SUFFIX);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.get(ExecutorConfig.GROUP_ID));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Fetched records wait in memory until their partition's turn; keep that small.
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 64);
        // Failover speed: a killed executor's partitions move after this, not after Kafka's 45 s default.
        props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        props.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        return props;
    }

    /**
     * The control topic's reader: no group (it assigns itself every partition and commits nothing), committed
     * records only.
     */
    public static Map<String, Object> controlConsumer(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = base(config, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.executorId() + "-control");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    private static Map<String, Object> base(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }
}
