package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.Isolation;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.MetricsScrape;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The only broker of the cluster stops mid-batch and comes back on the same address and data directory (the
 * restart {@code EmbeddedKafkaIT} shows keeps topics and cluster id; the shared test broker is a container whose
 * address would change, so this test brings its own). Results being committed at that moment are either committed or
 * aborted and run again: every request has exactly one committed result, the executors stay alive and become ready
 * again, and the group's lag returns to 0.
 */
class BrokerRestartIT {

    /** Longer than the executors' transaction.timeout.ms (10 s): a transaction open at the stop outlives it. */
    private static final Duration OUTAGE = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    @Test
    void aBrokerRestartMidBatchLosesAndDuplicatesNothing() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(120));
        int port = broker.port();
        String bootstrap = broker.bootstrapServers();
        List<ExecutorInstance> executors = new ArrayList<>();
        try {
            ExecqTopics topics = ExecqTopics.create(bootstrap, 4);
            String group = "broker-restart-" + UUID.randomUUID();
            for (String id : List.of("first", "second")) {
                executors.add(ExecutorInstance.start(topics.executorConfig(Map.of("group-id", group,
                        "executor-id", id + "-" + group, "concurrency", "4"))));
            }
            try (Requests requests = new Requests(bootstrap, topics.requests())) {
                send(requests, 300); // a hundred results, then the restart: 200 are left to run or in flight
            }
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() ->
                    results(executors) >= 100);

            broker.close(); // controlled shutdown of the whole (single-node) cluster, transactions in flight
            Thread.sleep(OUTAGE.toMillis());
            broker = EmbeddedKafka.start(dataDir, port, Map.of(), Duration.ofSeconds(120));

            try (Requests requests = new Requests(bootstrap, topics.requests())) {
                send(requests, 100); // and new work after the restart
            }
            VerifyReport report = ExactlyOnce.verify(topics, Duration.ofMinutes(4));

            assertThat(report.requestRecords()).isEqualTo(400);
            assertThat(report.resultsByStatus()).containsExactlyEntriesOf(Map.of("SUCCEEDED", 400L));
            for (ExecutorInstance executor : executors) {
                await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
                        .until(() -> ExecutorProcesses.ready(executor.httpPort()));
            }
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests()));
        } finally {
            executors.forEach(ExecutorInstance::close);
            broker.close();
        }
    }

    private static void send(Requests requests, int count) {
        for (int i = 0; i < count; i++) {
            ExecutionRequest request = i % 25 == 0
                    ? Requests.command(Isolation.PROCESS, "sleep", "0.5").build()
                    : Requests.command(Isolation.PROCESS, "echo", "run " + i).build();
            requests.send(request);
        }
    }

    private static double results(List<ExecutorInstance> executors) throws Exception {
        double sum = 0;
        for (ExecutorInstance executor : executors) {
            sum += MetricsScrape.sum(executor.httpPort(), "execq_results_total");
        }
        return sum;
    }
}
