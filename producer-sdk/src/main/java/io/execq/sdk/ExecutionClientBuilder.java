package io.execq.sdk;

import io.execq.sdk.internal.CancelPublisher;
import io.execq.sdk.internal.KafkaExecutionClient;
import io.execq.sdk.internal.KafkaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Configures the Kafka {@link ExecutionClient}. Obtain one from {@link ExecutionClient#builder()}; every setter
 * checks its value at once and throws {@link IllegalArgumentException} naming the setting.
 *
 * <p>Kafka client properties ({@link #kafkaProperty}) reach both the producer and the result reader, so TLS and SASL
 * need no code. A few are fixed because the SDK's guarantees depend on them: the producer always uses
 * {@code acks=all} and {@code enable.idempotence=true}, the reader always uses {@code isolation.level=read_committed},
 * and both use byte-array serializers (the SDK serializes records itself). {@code max.request.size} defaults to
 * {@link #DEFAULT_MAX_REQUEST_BYTES} and may be lowered.
 */
public final class ExecutionClientBuilder {

    public static final String DEFAULT_REQUESTS_TOPIC = "execq.requests";
    public static final String DEFAULT_RESULTS_TOPIC = "execq.results";
    public static final String DEFAULT_CONTROL_TOPIC = "execq.control";
    public static final String DEFAULT_OUTPUT_TOPIC = "execq.output";
    /** 16 MiB, the brokers' {@code max.message.bytes} for the execq topics. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = KafkaSettings.DEFAULT_MAX_REQUEST_BYTES;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private String bootstrapServers;
    private final Map<String, Object> kafkaProperties = new LinkedHashMap<>();
    private String requestsTopic = DEFAULT_REQUESTS_TOPIC;
    private String resultsTopic = DEFAULT_RESULTS_TOPIC;
    private String controlTopic = DEFAULT_CONTROL_TOPIC;
    private String outputTopic = DEFAULT_OUTPUT_TOPIC;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

    ExecutionClientBuilder() {
    }

    /** {@code host:port} pairs, comma-separated. Required, unless given as the {@code bootstrap.servers} property. */
    public ExecutionClientBuilder bootstrapServers(String bootstrapServers) {
        this.bootstrapServers = requireNotBlank(bootstrapServers, "bootstrapServers");
        return this;
    }

    /** Sets one Kafka client property for the producer and the result reader. */
    public ExecutionClientBuilder kafkaProperty(String key, Object value) {
        kafkaProperties.put(requireNotBlank(key, "kafka property key"),
                Objects.requireNonNull(value, "kafka property " + key));
        return this;
    }

    /** Sets each of {@code properties}; see {@link #kafkaProperty(String, Object)}. */
    public ExecutionClientBuilder kafkaProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties").forEach((key, value) -> kafkaProperty(key.toString(), value));
        return this;
    }

    /** The topic requests are published to. Default: {@value #DEFAULT_REQUESTS_TOPIC}. */
    public ExecutionClientBuilder requestsTopic(String topic) {
        this.requestsTopic = requireNotBlank(topic, "requestsTopic");
        return this;
    }

    /** The topic results are read from. Default: {@value #DEFAULT_RESULTS_TOPIC}. */
    public ExecutionClientBuilder resultsTopic(String topic) {
        this.resultsTopic = requireNotBlank(topic, "resultsTopic");
        return this;
    }

    /** The topic cancellations are published to. Default: {@value #DEFAULT_CONTROL_TOPIC}. */
    public ExecutionClientBuilder controlTopic(String topic) {
        this.controlTopic = requireNotBlank(topic, "controlTopic");
        return this;
    }

    /** The topic streamed output chunks are read from. Default: {@value #DEFAULT_OUTPUT_TOPIC}. */
    public ExecutionClientBuilder outputTopic(String topic) {
        this.outputTopic = requireNotBlank(topic, "outputTopic");
        return this;
    }

    /** How long {@link ExecutionClient#close()} waits for requests still being sent. Default: 30 seconds. */
    public ExecutionClientBuilder closeTimeout(Duration closeTimeout) {
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + closeTimeout);
        }
        this.closeTimeout = closeTimeout;
        return this;
    }

    /**
     * Creates the client and its producer. No connection is made yet, and no result reader runs until the first
     * {@link ExecutionClient#execute}.
     *
     * @throws IllegalArgumentException if no bootstrap servers were given, the two topics are the same, or a Kafka
     *     property is invalid
     */
    public ExecutionClient build() {
        if (requestsTopic.equals(resultsTopic)) {
            throw new IllegalArgumentException("requestsTopic and resultsTopic must differ, both are "
                    + requestsTopic);
        }
        KafkaSettings settings = new KafkaSettings(bootstrapServers, kafkaProperties);
        return KafkaExecutionClient.create(settings, requestsTopic, resultsTopic, closeTimeout)
                .withCancellation(new CancelPublisher(settings, controlTopic, resultsTopic))
                .withOutput(outputTopic, () -> new KafkaConsumer<>(settings.outputReader()));
    }

    private static String requireNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
