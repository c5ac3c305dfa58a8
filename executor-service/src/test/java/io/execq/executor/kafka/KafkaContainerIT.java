package io.execq.executor.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.testing.DockerAvailability;
import io.execq.testing.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CI path: Testcontainers' KafkaContainer on the locally built apache/kafka image. */
class KafkaContainerIT extends BrokerContract {

    private static TestKafka kafka;

    @BeforeAll
    static void start() {
        DockerAvailability.requireDocker();
        kafka = TestKafka.startContainer();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Test
    void advertisesALoopbackAddress() {
        assertThat(kafka.bootstrapServers()).matches("(localhost|127\\.0\\.0\\.1):\\d+");
    }
}
