package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests the kernel cannot exec, through the whole pipeline on each backend: one too big for exec is REJECTED
 * (with a dead letter) before it runs; a missing program and a file without the execute bit are the user's
 * failures (FAILED, 127/126, the OS's reason in {@code error}); none of them is retried as an infrastructure fault.
 */
class ExecFailuresIT {

    @ParameterizedTest
    @EnumSource(value = Isolation.class, names = {"PROCESS", "CONTAINER"})
    void execFailuresAreTheUsersAndNeverRetried(Isolation isolation) throws Exception {
        if (isolation == Isolation.CONTAINER) {
            DockerAvailability.requireDocker();
        }
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        ExecutionRequest tooBig = Requests.command(isolation, "python3", "-c", "print(1)\n".repeat(40_000)).build();
        ExecutionRequest missing = Requests.command(isolation, "no-such-program-xq").build();
        ExecutionRequest notExecutable = Requests.command(isolation, "./tool.sh")
                .setFiles(List.of(new FileEntry("tool.sh", ByteBuffer.wrap("#!/bin/sh\necho ran\n".getBytes(
                        StandardCharsets.UTF_8)), false))).build();
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            requests.send(tooBig);
            requests.send(missing);
            requests.send(notExecutable);
        }

        ExecutorConfig config = topics.executorConfig(Map.of("group-id", "exec-failures-" + UUID.randomUUID(),
                "concurrency", "2", "infra-retries", "3", "retry-backoff", "100ms",
                "max-request-size", "1m"));
        try (ExecutorInstance executor = ExecutorInstance.start(config)) {
            Map<String, ExecutionResult> results = TopicReader.readCommitted(bootstrap, topics.results(),
                            read -> read.size() >= 3, Duration.ofMinutes(2), Duration.ofSeconds(1)).stream()
                    .map(r -> new ExecutionResultDeserializer().deserialize(r.topic(), r.value()))
                    .collect(Collectors.toMap(ExecutionResult::getRequestId, Function.identity()));

            ExecutionResult rejected = results.get(tooBig.getRequestId());
            assertThat(rejected.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
            assertThat(rejected.getError()).contains("command[2] is 360,000 bytes").contains("MAX_ARG_STRLEN")
                    .contains("stdin");

            ExecutionResult notFound = results.get(missing.getRequestId());
            assertThat(notFound.getStatus()).isEqualTo(ExecutionStatus.FAILED);
            assertThat(notFound.getExitCode()).isEqualTo(127);
            assertThat(notFound.getError()).contains("no-such-program-xq").containsIgnoringCase("not found");

            ExecutionResult denied = results.get(notExecutable.getRequestId());
            assertThat(denied.getStatus()).isEqualTo(ExecutionStatus.FAILED);
            assertThat(denied.getExitCode()).isEqualTo(126);
            assertThat(denied.getError()).contains("tool.sh").containsIgnoringCase("permission denied");

            assertThat(results.values()).allSatisfy(r -> assertThat(r.getAttempt()).isEqualTo(1));
            assertThat(MetricsScrape.sum(executor.httpPort(), "execq_run_retries_total")).isZero();
            List<ConsumerRecord<String, byte[]>> deadLetters = TopicReader.readCommitted(bootstrap,
                    topics.deadLetters(), read -> read.size() >= 3, Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertThat(deadLetters).extracting(ConsumerRecord::key).contains(tooBig.getRequestId());
        }
    }
}
