package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A program killed by a signal, through the whole pipeline on each backend: the result carries the signal beside
 * the exit status the OS reports (128 + signal); a plain exit carries none.
 */
class ExitSignalIT {

    @ParameterizedTest
    @EnumSource(value = Isolation.class, names = {"PROCESS", "CONTAINER"})
    void aSignalDeathCarriesItsSignal(Isolation isolation) throws Exception {
        if (isolation == Isolation.CONTAINER) {
            DockerAvailability.requireDocker();
        }
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        ExecutionRequest segfault = Requests.command(isolation, "sh", "-c", "kill -SEGV $$").build();
        ExecutionRequest terminated = Requests.command(isolation, "sh", "-c", "kill -TERM $$").build();
        ExecutionRequest exited = Requests.command(isolation, "sh", "-c", "exit 3").build();
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            requests.send(segfault);
            requests.send(terminated);
            requests.send(exited);
        }

        ExecutorConfig config = topics.executorConfig(Map.of("group-id", "exit-signal-" + UUID.randomUUID(),
                "concurrency", "2"));
        try (ExecutorInstance executor = ExecutorInstance.start(config)) {
            Map<String, ExecutionResult> results = TopicReader.readCommitted(bootstrap, topics.results(),
                            read -> read.size() >= 3, Duration.ofMinutes(2), Duration.ofSeconds(1)).stream()
                    .map(r -> new ExecutionResultDeserializer().deserialize(r.topic(), r.value()))
                    .collect(Collectors.toMap(ExecutionResult::getRequestId, Function.identity()));

            assertThat(results.get(segfault.getRequestId())).satisfies(r -> {
                assertThat(r.getStatus()).isEqualTo(ExecutionStatus.FAILED);
                assertThat(r.getExitCode()).isEqualTo(139);
                assertThat(r.getSignal()).isEqualTo(11);
                assertThat(r.getBackend().name()).isEqualTo(isolation == Isolation.PROCESS ? "PROCESS" : "DOCKER");
            });
            assertThat(results.get(terminated.getRequestId())).satisfies(r -> {
                assertThat(r.getExitCode()).isEqualTo(143);
                assertThat(r.getSignal()).isEqualTo(15);
            });
            assertThat(results.get(exited.getRequestId())).satisfies(r -> {
                assertThat(r.getExitCode()).isEqualTo(3);
                assertThat(r.getSignal()).isNull();
            });
        }
    }
}
