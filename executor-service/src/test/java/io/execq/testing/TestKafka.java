package io.execq.testing;

import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker the integration tests share: a Testcontainers {@link KafkaContainer} when Docker is up (the CI
 * path), the in-JVM {@link EmbeddedKafka} otherwise. {@code EXECQ_TEST_KAFKA=container|embedded} forces one. Started
 * once per test JVM, with the execq topics created, and stopped when the JVM exits.
 */
public final class TestKafka {

    /** Image built offline by {@code ops/images/build.sh}. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.3.1";

    private static TestKafka shared;

    private final String kind;
    private final String bootstrapServers;
    private final AutoCloseable broker;

    private TestKafka(String kind, String bootstrapServers, AutoCloseable broker) {
        this.kind = kind;
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
    }

    public static synchronized TestKafka shared() {
        if (shared == null) {
            shared = start(chooseKind());
            createTopics(shared.bootstrapServers);
            TestKafka started = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "test-kafka-shutdown"));
        }
        return shared;
    }

    static String chooseKind() {
        String forced = System.getenv("EXECQ_TEST_KAFKA");
        if (forced != null && !forced.isBlank()) {
            return forced;
        }
        return DockerAvailability.available() ? "container" : "embedded";
    }

    public static TestKafka start(String kind) {
        return switch (kind) {
            case "container" -> startContainer();
            case "embedded" -> startEmbedded();
            default -> throw new IllegalArgumentException("EXECQ_TEST_KAFKA must be container or embedded, got "
                    + kind);
        };
    }

    public static TestKafka startContainer() {
        KafkaContainer container = singleNodeContainer();
        container.start();
        return new TestKafka("container", container.getBootstrapServers(), container::stop);
    }

    /** A not yet started {@link KafkaContainer} with the settings one node needs (transactions hang otherwise). */
    public static KafkaContainer singleNodeContainer() {
        return new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_MESSAGE_MAX_BYTES", Integer.toString(TopicSettings.DEFAULT_MAX_MESSAGE_BYTES));
    }

    public static TestKafka startEmbedded() {
        try {
            java.nio.file.Path dataDir = Files.createTempDirectory("execq-it-kafka");
            EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
            return new TestKafka("embedded", kafka.bootstrapServers(), () -> {
                kafka.close();
                try (var paths = Files.walk(dataDir)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createTopics(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            new Topics(admin).ensure(TopicSettings.defaults((short) 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String kind() {
        return kind;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void close() {
        try {
            broker.close();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot stop the " + kind + " Kafka broker", e);
        }
    }
}
