package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;

/** A full bulkhead pauses partitions instead of buffering, and a long run never costs the group membership. */
class BackpressureIT {

    @Test
    void pausesPartitionWhenBulkheadIsFullAndStaysInTheGroupAcrossARunLongerThanMaxPollInterval() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        String group = "backpressure-" + UUID.randomUUID();
        Map<String, String> options = topics.executorOptions(Map.of("group-id", group, "concurrency", "1",
                "max-timeout", "1m"));
        ExecutorConfig config = ExecutorConfig.from(toFlags(options, List.of(
                "max.poll.interval.ms=2000", "session.timeout.ms=6000", "heartbeat.interval.ms=1000")), Map.of());

        try (ExecutorInstance executor = ExecutorInstance.start(config);
             Requests requests = new Requests(bootstrap, topics.requests())) {
            ExecutionRequest longRun = Requests.command(Isolation.PROCESS, "sleep", "6")
                    .setLimits(Requests.timeoutMillis(30_000)).build();
            ExecutionRequest queued = Requests.command(Isolation.PROCESS, "echo", "after").build();
            requests.send(longRun, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> metric(executor, "execq_runs_in_flight") == 1.0);
            requests.send(queued, 1);

            // The second partition's head waits for the only bulkhead slot: both partitions are paused.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> metric(executor, "execq_partitions_paused") == 2.0);
            Thread.sleep(4_000); // now well past max.poll.interval.ms (2 s) with the run still going
            ConsumerGroupDescription during = describe(bootstrap, group);
            assertThat(during.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(during.members()).hasSize(1);
            assertThat(metric(executor, "execq_runs_in_flight")).isEqualTo(1.0);

            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(),
                    Set.of(longRun.getRequestId(), queued.getRequestId()), Duration.ofSeconds(60));
            ExecutionResult first = Results.only(results, longRun.getRequestId());
            ExecutionResult second = Results.only(results, queued.getRequestId());
            assertThat(first.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(second.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(second.getStartedAt()).isAfterOrEqualTo(first.getFinishedAt());
            assertThat(describe(bootstrap, group).members()).hasSize(1);
        }
    }

    static Map<String, List<String>> toFlags(Map<String, String> options, List<String> kafkaProperties) {
        Map<String, List<String>> flags = new HashMap<>();
        options.forEach((k, v) -> flags.put(k, List.of(v)));
        flags.put("kafka-property", kafkaProperties);
        return flags;
    }

    private static ConsumerGroupDescription describe(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        }
    }

    static double metric(ExecutorInstance executor, String name) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + executor.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1))).findFirst().orElse(-1);
    }
}
