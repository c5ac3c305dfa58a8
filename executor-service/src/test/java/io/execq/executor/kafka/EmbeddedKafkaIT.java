package io.execq.executor.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-JVM broker: the zero-setup default, and the tests' broker when Docker is down. */
class EmbeddedKafkaIT extends BrokerContract {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start(@TempDir Path dataDir) {
        kafka = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Override
    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void keepsTopicsAndClusterIdAcrossARestartOnTheSameDataDir(@TempDir Path dataDir) throws Exception {
        String clusterId;
        try (EmbeddedKafka first = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
             Admin admin = admin(first)) {
            admin.createTopics(List.of(new NewTopic("survivor", 1, (short) 1))).all().get();
            clusterId = admin.describeCluster().clusterId().get();
        }

        try (EmbeddedKafka second = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
             Admin admin = admin(second)) {
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
            assertThat(admin.listTopics().names().get()).contains("survivor");
        }
    }

    @Test
    void refusesAPortThatIsTaken(@TempDir Path dataDir) {
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, kafka.port(), Map.of(), Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Port " + kafka.port() + " on 127.0.0.1 is already in use");
    }

    @Test
    void singleNodeSettingsLetInternalTopicsExist(@TempDir Path dataDir) throws Exception {
        Properties props = EmbeddedKafka.brokerProperties(dataDir, 19092, Map.of("num.partitions", "3"));

        assertThat(props).containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("share.coordinator.state.topic.min.isr", "1")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:19092")
                .containsEntry("num.partitions", "3");
        assertThat(Files.exists(dataDir.resolve("server.properties"))).isFalse();
    }

    private static Admin admin(EmbeddedKafka broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
