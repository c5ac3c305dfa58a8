package io.execq.executor;

import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.executor.kafka.EmbeddedKafkaMode;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka cluster an executor talks to: the configured one, or — for the zero-setup default — an embedded broker
 * started on the configured loopback port when nothing answers there ({@code --embedded-kafka auto}).
 */
public final class KafkaBootstrap implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBootstrap.class);
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** With {@code --embedded-kafka never} there is no alternative to wait for: a loaded broker gets longer. */
    static final Duration NEVER_PROBE_TIMEOUT = Duration.ofSeconds(20);

    private final String bootstrapServers;
    private final Optional<EmbeddedKafka> embedded;

    private KafkaBootstrap(String bootstrapServers, Optional<EmbeddedKafka> embedded) {
        this.bootstrapServers = bootstrapServers;
        this.embedded = embedded;
    }

    public static KafkaBootstrap connect(ExecutorConfig config) {
        String bootstrap = config.bootstrapServers();
        EmbeddedKafkaMode mode = config.get(ExecutorConfig.EMBEDDED_KAFKA);
        if (mode == EmbeddedKafkaMode.ALWAYS || (mode == EmbeddedKafkaMode.AUTO && !answers(config, bootstrap))) {
            int port = loopbackPort(bootstrap).orElseThrow(() -> new IllegalStateException(
                    "No Kafka broker answers at " + bootstrap + ", and an embedded broker can only replace a "
                            + "single loopback address (e.g. 127.0.0.1:9092)"));
            if (mode == EmbeddedKafkaMode.AUTO && !EmbeddedKafka.portFree(port)) {
                // Typically a broker that requires TLS or SASL, reached without them: do not report "port in use".
                throw new IllegalStateException("Something listens at " + bootstrap + " but did not answer as a "
                        + "Kafka broker within " + PROBE_TIMEOUT.toSeconds() + " s with " + security(config)
                        + "; a broker that requires TLS or SASL needs its client settings in --kafka-config");
            }
            LOG.info("Starting an embedded Kafka broker on 127.0.0.1:{} (data: {})", port,
                    config.get(ExecutorConfig.EMBEDDED_KAFKA_DIR));
            EmbeddedKafka kafka = EmbeddedKafka.start(config.get(ExecutorConfig.EMBEDDED_KAFKA_DIR), port, Map.of(),
                    Duration.ofSeconds(60));
            return new KafkaBootstrap(kafka.bootstrapServers(), Optional.of(kafka));
        }
        if (mode == EmbeddedKafkaMode.NEVER && !answers(config, bootstrap, NEVER_PROBE_TIMEOUT)) {
            throw new IllegalStateException("No Kafka broker answers at " + bootstrap + " within "
                    + NEVER_PROBE_TIMEOUT.toSeconds() + " s with " + security(config) + " (--embedded-kafka never)");
        }
        return new KafkaBootstrap(bootstrap, Optional.empty());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public boolean embedded() {
        return embedded.isPresent();
    }

    /** Creates the missing execq topics, replicated as far as the cluster allows (up to three copies). */
    void ensureTopics(ExecutorConfig config) {
        try (Admin admin = Admin.create(KafkaClients.admin(config, bootstrapServers))) {
            int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            TopicSettings settings = config.topicSettings((short) Math.max(1, Math.min(3, brokers)));
            new Topics(admin).ensure(settings);
            try {
                new Topics(admin).ensure(java.util.List.of(Topics.controlTopic(config.get(ExecutorConfig.CONTROL_TOPIC),
                        settings.replicationFactor(), config.get(ExecutorConfig.CANCEL_WINDOW))));
            } catch (IllegalStateException e) {
                // Cancellation is an addition: an executor whose principal may not use the control topic still runs
                // requests (and says loudly that it cannot cancel them).
                LOG.error("Control topic {} unavailable, cancellations will not be applied: {}",
                        config.get(ExecutorConfig.CONTROL_TOPIC), e.getMessage());
            }
            try {
                new Topics(admin).ensure(java.util.List.of(Topics.outputTopic(
                        config.get(ExecutorConfig.OUTPUT_TOPIC), settings)));
            } catch (IllegalStateException e) {
                // Streaming is an addition too: without the output topic, runs still run and chunks are dropped.
                LOG.error("Output topic {} unavailable, streamed output will not be published: {}",
                        config.get(ExecutorConfig.OUTPUT_TOPIC), e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot describe the Kafka cluster at " + bootstrapServers + ": " + e,
                    e);
        }
    }

    static boolean answers(ExecutorConfig config, String bootstrap) {
        return answers(config, bootstrap, PROBE_TIMEOUT);
    }

    private static boolean answers(ExecutorConfig config, String bootstrap, Duration timeout) {
        Map<String, Object> props = KafkaClients.admin(config, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                throw refusedCredentials(config, bootstrap, refused);
            }
            return false;
        } catch (TimeoutException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A broker answered but refused the executor's login (wrong password, unknown user, TLS handshake): that is
     * neither "no broker" nor a reason to start an embedded one.
     */
    static IllegalStateException refusedCredentials(ExecutorConfig config, String bootstrap,
                                                    AuthenticationException refused) {
        return new IllegalStateException("Kafka at " + bootstrap + " refused this executor's credentials ("
                + security(config) + "): " + refused.getMessage() + ". Check the --kafka-config file", refused);
    }

    /** {@code security.protocol} (and the SASL mechanism) the executor's clients use, for error messages. */
    static String security(ExecutorConfig config) {
        Map<String, String> props = config.kafkaProperties();
        String protocol = props.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        String mechanism = props.get(SaslConfigs.SASL_MECHANISM);
        return "security.protocol=" + protocol + (protocol.startsWith("SASL") && mechanism != null
                ? ", sasl.mechanism=" + mechanism : "");
    }

    /** The port of a single {@code host:port} whose host is this machine's loopback. */
    static Optional<Integer> loopbackPort(String bootstrap) {
        String trimmed = bootstrap.trim();
        int colon = trimmed.lastIndexOf(':');
        if (trimmed.contains(",") || colon < 0) {
            return Optional.empty();
        }
        try {
            String host = trimmed.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(trimmed.substring(colon + 1));
            return InetAddress.getByName(host).isLoopbackAddress() ? Optional.of(port) : Optional.empty();
        } catch (NumberFormatException | UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        embedded.ifPresent(EmbeddedKafka::close);
    }
}
