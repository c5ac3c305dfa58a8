package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two executor processes share a group; one is killed with SIGKILL mid-batch. Nothing is lost and no duplicate
 * result becomes visible: the killed member's uncommitted work is redone by the survivor, and its open
 * transaction, if any, is aborted by the broker.
 */
class ExecutorFailoverIT {

    @RegisterExtension
    final ExecutorProcesses executors = new ExecutorProcesses();

    @Test
    void twoExecutorsSplitTheWorkAndKillingOneLosesAndDuplicatesNothing() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 8);
        String group = "failover-" + UUID.randomUUID();
        List<String> options = List.of("--http-port", "0", "--concurrency", "4");
        Process victim = executors.start(topics, group, "victim", options);
        executors.start(topics, group, "survivor", options);
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> members(bootstrap, group) == 2);

        Set<String> ids = new HashSet<>();
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            for (int i = 0; i < 200; i++) {
                ExecutionRequest request = Requests.command(Isolation.PROCESS, "sh", "-c", "sleep 0.2; echo \"$0\"",
                        "run-" + i).build();
                requests.send(request);
                ids.add(request.getRequestId());
            }
        }

        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        TopicReader.readCommitted(bootstrap, topics.results(), read -> read.size() >= 40, Duration.ofMinutes(2),
                Duration.ZERO);
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful anything
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();

        List<ExecutionResult> results = TopicReader.readCommitted(bootstrap, topics.results(),
                read -> read.stream().map(r -> decoder.deserialize(r.topic(), r.value()).getRequestId())
                        .collect(Collectors.toSet()).containsAll(ids),
                Duration.ofMinutes(3), Duration.ofSeconds(3))
                .stream().map(r -> decoder.deserialize(r.topic(), r.value())).toList();

        Map<String, Long> perRequest = results.stream()
                .collect(Collectors.groupingBy(ExecutionResult::getRequestId, Collectors.counting()));
        assertThat(perRequest.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(perRequest.values()).allMatch(count -> count == 1L);
        assertThat(results).allSatisfy(r -> assertThat(r.getStatus().name()).isEqualTo("SUCCEEDED"));
        assertThat(results).extracting(ExecutionResult::getExecutorId).contains("victim", "survivor");
        ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
    }


    private static int members(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().size();
        }
    }
}
