package io.execq.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** The shared test broker follows Docker: a container when the engine answers (CI), the embedded broker otherwise. */
class SharedKafkaIT {

    @Test
    void sharedBrokerFollowsDockerAvailabilityAndHasTheExecqTopics() throws Exception {
        TestKafka kafka = TestKafka.shared();

        String expected = System.getenv("EXECQ_TEST_KAFKA") != null ? System.getenv("EXECQ_TEST_KAFKA")
                : DockerAvailability.available() ? "container" : "embedded";
        assertThat(kafka.kind()).isEqualTo(expected);
        if (DockerAvailability.required() && System.getenv("EXECQ_TEST_KAFKA") == null) {
            assertThat(kafka.kind()).isEqualTo("container");
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            // Created topics reach the broker's metadata cache a moment after the controller acknowledges them.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin.listTopics().names().get())
                    .contains("execq.requests", "execq.results", "execq.requests.dlt"));
        }
    }
}
