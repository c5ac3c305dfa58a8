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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Shutdown lets runs finish within the grace period and leaves the rest uncommitted for another member. */
class GracefulShutdownIT {

    private final String bootstrap = TestKafka.shared().bootstrapServers();
    private final ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
    private final String group = "shutdown-" + UUID.randomUUID();

    private ExecutorInstance executor(String grace) {
        return ExecutorInstance.start(topics.executorConfig(Map.of("group-id", group, "shutdown-grace", grace)));
    }

    @Test
    void runInFlightAtShutdownFinishesWithinTheGraceAndIsCommitted() throws Exception {
        ExecutionRequest request = Requests.command(Isolation.PROCESS, "sh", "-c", "sleep 2; echo finished").build();
        ExecutorInstance executor = executor("20s");
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            requests.send(request, 0);
        }
        awaitRunning(executor);

        executor.close();

        ExecutionResult result = Results.only(Results.awaitFor(bootstrap, topics.results(),
                Set.of(request.getRequestId()), Duration.ofSeconds(10)), request.getRequestId());
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(result.getStdout().getData().array()).asString().isEqualTo("finished\n");
        assertThat(committedOffset()).isEqualTo(1L);
    }

    @Test
    void runOutlastingTheGraceIsKilledAndLeftUncommittedForAnotherMember() throws Exception {
        ExecutionRequest request = Requests.command(Isolation.PROCESS, "sleep", "30")
                .setLimits(Requests.timeoutMillis(60_000)).build();
        ExecutorInstance executor = executor("1s");
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            requests.send(request, 0);
        }
        awaitRunning(executor);

        long started = System.nanoTime();
        executor.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(Results.awaitFor(bootstrap, topics.results(), Set.of(request.getRequestId()),
                Duration.ofSeconds(3))).isEmpty();
        assertThat(committedOffset()).isEqualTo(0L);

        // The next member of the group picks it up from the uncommitted offset and completes it.
        try (ExecutorInstance successor = executor("1s")) {
            ExecutionResult result = Results.only(Results.awaitFor(bootstrap, topics.results(),
                    Set.of(request.getRequestId()), Duration.ofSeconds(90)), request.getRequestId());
            assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(result.getExecutorId()).isEqualTo(successor.executorId());
        }
    }

    private static void awaitRunning(ExecutorInstance executor) {
        await().atMost(Duration.ofSeconds(30)).until(() -> executor.inFlight() == 1);
    }

    private long committedOffset() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata offset = offsets.get(new TopicPartition(topics.requests(), 0));
            return offset == null ? 0L : offset.offset();
        }
    }
}
