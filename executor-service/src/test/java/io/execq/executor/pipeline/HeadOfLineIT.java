package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Long runs at the head of every partition do not hold the short requests behind them while slots are free: the
 * records of one partition run concurrently and complete in any order.
 */
class HeadOfLineIT {

    private static final int PARTITIONS = 4;
    private static final int LONG_SECONDS = 20;

    @Test
    void shortRequestsFinishLongBeforeTheLongRunsAheadOfThemOnTheirPartitions() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, PARTITIONS);
        String group = "hol-" + UUID.randomUUID();
        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of("group-id", group,
                "concurrency", "8", "rate", "1000", "max-timeout", "2m")));
             Requests requests = new Requests(bootstrap, topics.requests())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> executor.notReadyReasons().isEmpty());
            List<ExecutionRequest> longRuns = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                ExecutionRequest longRun = Requests.command(Isolation.PROCESS, "sleep", Integer.toString(LONG_SECONDS))
                        .setLimits(Requests.timeoutMillis(60_000)).build();
                requests.send(longRun, p);
                longRuns.add(longRun);
            }
            List<ExecutionRequest> shorts = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                ExecutionRequest shortRun = Requests.command(Isolation.PROCESS, "echo", "short-" + i).build();
                requests.send(shortRun, i % PARTITIONS); // behind a long run on every partition
                shorts.add(shortRun);
            }
            Set<String> ids = new HashSet<>();
            longRuns.forEach(r -> ids.add(r.getRequestId()));
            shorts.forEach(r -> ids.add(r.getRequestId()));

            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), ids, Duration.ofMinutes(2));

            System.out.println("short request latencies (ms): " + shorts.stream().map(r -> Duration.between(
                    r.getSubmittedAt(), Results.only(results, r.getRequestId()).getFinishedAt()).toMillis()).toList());
            Instant firstLongEnd = longRuns.stream().map(r -> Results.only(results, r.getRequestId()).getFinishedAt())
                    .min(Instant::compareTo).orElseThrow();
            for (ExecutionRequest shortRun : shorts) {
                ExecutionResult result = Results.only(results, shortRun.getRequestId());
                assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
                assertThat(result.getStdout().getData().array()).asString()
                        .isEqualTo(shortRun.getCommand().get(1) + "\n");
                assertThat(result.getFinishedAt()).as("a short request does not wait for the long run ahead of it")
                        .isBefore(firstLongEnd);
                assertThat(Duration.between(shortRun.getSubmittedAt(), result.getFinishedAt()))
                        .as("generous bound; the long runs take %d s", LONG_SECONDS)
                        .isLessThan(Duration.ofSeconds(10));
            }
            longRuns.forEach(r -> assertThat(Results.only(results, r.getRequestId()).getStatus())
                    .isEqualTo(ExecutionStatus.SUCCEEDED));
            assertThat(results).hasSize(ids.size());
            ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
        }
    }
}
