package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Completions above a partition's low-water mark are committed in the offset map; when the partition changes owner —
 * its executor killed with SIGKILL, or a new member joining — the new owner skips them: every request has exactly
 * one committed result, and no completed request runs a second time.
 */
class OutOfOrderCommitIT {

    private static final int PARTITIONS = 4;

    @RegisterExtension
    final ExecutorProcesses executors = new ExecutorProcesses();

    @Test
    void killedOwnersCompletionsAboveTheLowWaterMarkAreNotRunAgain() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, PARTITIONS);
        String group = "ooo-kill-" + UUID.randomUUID();
        int victimPort = ExecutorProcesses.freePort();
        int survivorPort = ExecutorProcesses.freePort();
        Process victim = executors.start(topics, group, "victim", options(victimPort));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> ExecutorProcesses.ready(victimPort));
        Process survivor = executors.start(topics, group, "survivor", options(survivorPort));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> ExecutorProcesses.ready(survivorPort));

        Batch batch = sendLongThenShort(bootstrap, topics, 12);
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        // Wait until the victim has committed short runs while its long runs still hold the low-water marks.
        TopicReader.readCommitted(bootstrap, topics.results(), read -> read.stream()
                .map(r -> decoder.deserialize(r.topic(), r.value()))
                .filter(r -> r.getExecutorId().equals("victim") && batch.shorts.contains(r.getRequestId()))
                .count() >= 10, Duration.ofMinutes(1), Duration.ZERO);
        victim.destroyForcibly(); // SIGKILL
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();

        List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), batch.all(),
                Duration.ofMinutes(2));
        assertExactlyOneSuccessEach(results, batch.all());
        assertThat(results).filteredOn(r -> r.getExecutorId().equals("victim")
                && batch.shorts.contains(r.getRequestId())).hasSizeGreaterThanOrEqualTo(10);
        assertThat(MetricsScrape.sum(survivorPort, "execq_records_skipped_completed_total"))
                .as("the survivor skipped the victim's committed completions").isPositive();
        // After the victim's partitions moved, nothing rebalances again, so every run the survivor starts ends in a
        // visible result: had it re-run a completed request, that request would have two results above.
        ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
        assertThat(survivor.isAlive()).isTrue();
    }

    @Test
    void aMemberJoiningMidBatchLosesAndDuplicatesNothing() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, PARTITIONS);
        String group = "ooo-join-" + UUID.randomUUID();
        Map<String, String> options = Map.of("group-id", group, "concurrency", "8", "rate", "1000",
                "max-timeout", "2m");
        List<ExecutorInstance> members = new ArrayList<>();
        try {
            members.add(ExecutorInstance.start(topics.executorConfig(withId(options, "first"))));
            members.add(ExecutorInstance.start(topics.executorConfig(withId(options, "second"))));
            Batch batch = sendLongThenShort(bootstrap, topics, 8);
            ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
            TopicReader.readCommitted(bootstrap, topics.results(), read -> read.stream()
                    .map(r -> decoder.deserialize(r.topic(), r.value()))
                    .filter(r -> batch.shorts.contains(r.getRequestId())).count() >= 20,
                    Duration.ofMinutes(1), Duration.ZERO);

            members.add(ExecutorInstance.start(topics.executorConfig(withId(options, "third"))));

            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), batch.all(),
                    Duration.ofMinutes(2));
            assertExactlyOneSuccessEach(results, batch.all());
            double skipped = 0;
            for (ExecutorInstance member : members) {
                skipped += MetricsScrape.sum(member.httpPort(), "execq_records_skipped_completed_total");
            }
            assertThat(skipped).as("new owners skipped committed completions above the low-water marks")
                    .isPositive();
            ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
        } finally {
            members.forEach(ExecutorInstance::close);
        }
    }

    /** One long run at the head of every partition, then short runs behind them. */
    private static Batch sendLongThenShort(String bootstrap, ExecqTopics topics, int longSeconds) {
        Batch batch = new Batch(new HashSet<>(), new HashSet<>());
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            for (int p = 0; p < PARTITIONS; p++) {
                ExecutionRequest longRun = Requests.command(Isolation.PROCESS, "sleep", Integer.toString(longSeconds))
                        .setLimits(Requests.timeoutMillis(60_000)).build();
                requests.send(longRun, p);
                batch.longs.add(longRun.getRequestId());
            }
            for (int i = 0; i < 120; i++) {
                ExecutionRequest shortRun = Requests.command(Isolation.PROCESS, "sh", "-c", "sleep 0.05; echo $0",
                        "short-" + i).build();
                requests.send(shortRun, i % PARTITIONS);
                batch.shorts.add(shortRun.getRequestId());
            }
        }
        return batch;
    }

    private static void assertExactlyOneSuccessEach(List<ExecutionResult> results, Set<String> ids) {
        Map<String, Long> perRequest = results.stream()
                .collect(Collectors.groupingBy(ExecutionResult::getRequestId, Collectors.counting()));
        assertThat(perRequest.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(perRequest).allSatisfy((id, count) -> assertThat(count).as("results of %s", id).isEqualTo(1L));
        assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED));
    }

    private record Batch(Set<String> longs, Set<String> shorts) {
        Set<String> all() {
            Set<String> all = new HashSet<>(longs);
            all.addAll(shorts);
            return all;
        }
    }

    private static Map<String, String> withId(Map<String, String> options, String id) {
        Map<String, String> with = new java.util.HashMap<>(options);
        with.put("executor-id", id);
        return with;
    }

    private static List<String> options(int httpPort) {
        return List.of("--http-port", Integer.toString(httpPort), "--concurrency", "8", "--rate", "1000",
                "--max-timeout", "2m");
    }
}
