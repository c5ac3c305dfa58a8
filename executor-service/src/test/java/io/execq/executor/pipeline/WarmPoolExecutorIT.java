package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.sandbox.docker.DockerConnection;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code --warm-pool}: an executor serves a container request from its pool, says so in /metrics, drains on close. */
class WarmPoolExecutorIT {

    @Test
    void servesAContainerRequestFromTheWarmPoolAndRemovesThePoolOnClose() throws Exception {
        DockerAvailability.requireDocker();
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
        ExecutorConfig config = topics.executorConfig(Map.of("warm-pool", "1"));

        try (ExecutorInstance executor = ExecutorInstance.start(config);
             Requests requests = new Requests(bootstrap, topics.requests())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> BackpressureIT.metric(executor, "execq_warm_pool_idle") == 1.0);
            ExecutionRequest request = Requests.command(Isolation.CONTAINER, "echo", "warm").build();
            requests.send(request, 0);

            ExecutionResult result = Results.only(Results.awaitFor(bootstrap, topics.results(),
                    Set.of(request.getRequestId()), Duration.ofSeconds(60)), request.getRequestId());

            assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(result.getStdout().getData().array()).asString().isEqualTo("warm\n");
            assertThat(BackpressureIT.metric(executor, "execq_warm_pool_hits_total")).isEqualTo(1.0);
            assertThat(BackpressureIT.metric(executor, "execq_warm_pool_misses_total")).isEqualTo(0.0);
        }
        try (DockerConnection docker = DockerConnection.connect(config.get(ExecutorConfig.DOCKER_HOST))) {
            DockerClient client = docker.client();
            assertThat(client.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, config.executorId())).exec()).isEmpty();
        }
    }
}
