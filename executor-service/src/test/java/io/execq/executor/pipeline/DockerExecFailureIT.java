package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TestKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A program the container cannot execute is the user's failure, through the whole executor: a {@code FAILED} result
 * with the shell's exit code and the OS's reason in {@code error}, one dead letter, and no retry. The missing program
 * runs in a warm container, the non-executable file (a run with files) in a container of its own.
 */
class DockerExecFailureIT {

    @Test
    void programsThatCannotBeExecutedFailWith127Or126AndAreNotRetried() throws Exception {
        DockerAvailability.requireDocker();
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);

        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of("warm-pool", "1",
                "fallback", "none")));
             Requests requests = new Requests(bootstrap, topics.requests())) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> MetricsScrape.sum(executor.httpPort(), "execq_warm_pool_idle") == 1.0);
            ExecutionRequest missing = Requests.command(Isolation.CONTAINER, "no-such-program-xq", "arg").build();
            ExecutionRequest notExecutable = Requests.command(Isolation.CONTAINER, "./tool.sh")
                    .setFiles(List.of(new FileEntry("tool.sh",
                            ByteBuffer.wrap("#!/bin/sh\necho ran\n".getBytes(StandardCharsets.UTF_8)), false)))
                    .build();
            requests.send(missing, 0);
            requests.send(notExecutable, 0);

            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(),
                    Set.of(missing.getRequestId(), notExecutable.getRequestId()), Duration.ofSeconds(60));

            ExecutionResult notFound = Results.only(results, missing.getRequestId());
            assertThat(notFound.getStatus()).isEqualTo(ExecutionStatus.FAILED);
            assertThat(notFound.getExitCode()).isEqualTo(127);
            assertThat(notFound.getError()).isEqualTo("command not found: no-such-program-xq: No such file or directory");
            ExecutionResult denied = Results.only(results, notExecutable.getRequestId());
            assertThat(denied.getStatus()).isEqualTo(ExecutionStatus.FAILED);
            assertThat(denied.getExitCode()).isEqualTo(126);
            assertThat(denied.getError()).isEqualTo("cannot execute: ./tool.sh: Permission denied");
            assertThat(MetricsScrape.sum(executor.httpPort(), "execq_warm_pool_hits_total"))
                    .as("the missing program ran in a warm container").isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    MetricsScrape.sum(executor.httpPort(), "execq_dead_letters_total") == 2.0);
            assertThat(MetricsScrape.sum(executor.httpPort(), "execq_run_retries_total")).isZero();
        }
    }
}
