package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.UnixSocketProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * Docker goes away and comes back (a socket proxy in front of the real daemon is taken down and up; the real daemon
 * is never touched): requests that may fall back do, CONTAINER requests wait until Docker returns or their deadline
 * passes, readiness says so, and runs cut off mid-run are run again — each request answered exactly once.
 */
class DockerOutageIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private UnixSocketProxy docker;
    private String bootstrap;
    private ExecqTopics topics;

    @BeforeEach
    void setUp() {
        DockerAvailability.requireDocker();
        bootstrap = TestKafka.shared().bootstrapServers();
        topics = ExecqTopics.create(bootstrap, 4);
        docker = new UnixSocketProxy(dir.resolve("docker.sock"), Path.of("/var/run/docker.sock"));
    }

    private ExecutorInstance executor(String fallback) {
        return ExecutorInstance.start(topics.executorConfig(Map.of("docker-host", docker.dockerHost(),
                "fallback", fallback)));
    }

    @Test
    void preferContainerFallsBackWhileContainerRequestsWaitForDockerOrExpire() throws Exception {
        try (ExecutorInstance executor = executor("process");
             Requests requests = new Requests(bootstrap, topics.requests())) {
            ExecutionRequest preferred = Requests.command(Isolation.PREFER_CONTAINER, "echo", "fallback").build();
            ExecutionRequest waiting = Requests.command(Isolation.CONTAINER, "echo", "in a container").build();
            ExecutionRequest expiring = Requests.command(Isolation.CONTAINER, "echo", "never runs")
                    .setDeadline(Instant.now().plusSeconds(3)).build();
            requests.send(preferred, 0);
            requests.send(waiting, 1);
            requests.send(expiring, 2);

            List<ExecutionResult> early = Results.awaitFor(bootstrap, topics.results(),
                    Set.of(preferred.getRequestId(), expiring.getRequestId()), Duration.ofSeconds(60));
            ExecutionResult fallback = Results.only(early, preferred.getRequestId());
            assertThat(fallback.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(fallback.getBackend()).isEqualTo(Backend.PROCESS);
            assertThat(fallback.getStdout().getData().array()).asString().isEqualTo("fallback\n");
            assertThat(Results.only(early, expiring.getRequestId()).getStatus()).isEqualTo(ExecutionStatus.EXPIRED);
            assertThat(early).extracting(ExecutionResult::getRequestId).doesNotContain(waiting.getRequestId());
            assertThat(get(executor, "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(executor, "/metrics").body()).contains("execq_requests_waiting_for_sandbox 1.0");

            docker.up();

            List<ExecutionResult> all = Results.awaitFor(bootstrap, topics.results(),
                    Set.of(waiting.getRequestId()), Duration.ofSeconds(60));
            ExecutionResult contained = Results.only(all, waiting.getRequestId());
            assertThat(contained.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(contained.getBackend()).isEqualTo(Backend.DOCKER);
            assertThat(contained.getStartedAt()).isAfter(fallback.getFinishedAt());
        } finally {
            docker.down();
        }
    }

    /** Also proves the executor honours {@code DOCKER_HOST} as the Docker CLI does: the proxy is named only there. */
    @Test
    void withoutFallbackTheExecutorIsNotReadyUntilDockerReturns() throws Exception {
        Map<String, List<String>> flags = new java.util.HashMap<>();
        topics.executorOptions(Map.of("fallback", "none")).forEach((k, v) -> flags.put(k, List.of(v)));
        try (ExecutorInstance executor = ExecutorInstance.start(
                io.execq.executor.ExecutorConfig.from(flags, Map.of("DOCKER_HOST", docker.dockerHost())))) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get(executor, "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("no allowed sandbox available: docker");
            });
            assertThat(get(executor, "/health/live").statusCode()).isEqualTo(200);

            docker.up();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(get(executor, "/health/ready").statusCode()).isEqualTo(200));
        } finally {
            docker.down();
        }
    }

    @Test
    void runsInFlightAndQueuedWhenDockerIsCutAreAnsweredExactlyOnce() throws Exception {
        docker.up();
        String executorId = "outage-" + UUID.randomUUID();
        List<String> preferred = new ArrayList<>();
        List<String> containerOnly = new ArrayList<>();
        Instant restored;
        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of("docker-host",
                docker.dockerHost(), "fallback", "process", "executor-id", executorId, "concurrency", "4")));
             Requests requests = new Requests(bootstrap, topics.requests())) {
            for (int i = 0; i < 12; i++) {
                Isolation isolation = i % 2 == 0 ? Isolation.CONTAINER : Isolation.PREFER_CONTAINER;
                ExecutionRequest request = Requests.command(isolation, "sh", "-c", "sleep 3; echo done").build();
                requests.send(request, i % 4);
                (isolation == Isolation.CONTAINER ? containerOnly : preferred).add(request.getRequestId());
            }
            // Asked of the real daemon, not through the proxy: two of our containers are running their program.
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).until(() ->
                    containersOf(executorId, "running") >= 2);

            docker.down(); // in-flight runs lose the daemon mid-run; queued ones find it gone

            List<ExecutionResult> whileDown = Results.awaitFor(bootstrap, topics.results(), Set.copyOf(preferred),
                    Duration.ofMinutes(1));
            Set<String> answered = whileDown.stream().map(ExecutionResult::getRequestId).collect(Collectors.toSet());
            assertThat(containerOnly).as("CONTAINER requests never fall back: some wait for Docker")
                    .filteredOn(id -> !answered.contains(id)).isNotEmpty();
            assertThat(whileDown).filteredOn(r -> preferred.contains(r.getRequestId()))
                    .extracting(ExecutionResult::getBackend).as("cut mid-run or queued, they fell back")
                    .contains(Backend.PROCESS);

            restored = Instant.now();
            docker.up();

            VerifyReport report = ExactlyOnce.verify(topics, Duration.ofMinutes(2));
            assertThat(report.resultsByStatus()).containsExactlyEntriesOf(Map.of("SUCCEEDED", 12L));
            List<ExecutionResult> all = Results.awaitFor(bootstrap, topics.results(), Set.copyOf(containerOnly),
                    Duration.ofSeconds(30));
            assertThat(all).filteredOn(r -> containerOnly.contains(r.getRequestId()))
                    .allSatisfy(r -> assertThat(r.getBackend()).isEqualTo(Backend.DOCKER))
                    .anySatisfy(r -> assertThat(r.getStartedAt()).isAfter(restored));
            assertThat(all).allSatisfy(r -> assertThat(r.getStdout().getData().array()).asString()
                    .isEqualTo("done\n"));
        } finally {
            docker.down();
            removeContainersOf(executorId);
        }
    }

    private static long containersOf(String executorId, String state) {
        return DockerClientFactory.instance().client().listContainersCmd().withStatusFilter(List.of(state))
                .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executorId)).exec().size();
    }

    /** Runs cut off from the daemon could not remove their containers; the periodic reaper would, much later. */
    private static void removeContainersOf(String executorId) {
        var client = DockerClientFactory.instance().client();
        client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executorId)).exec()
                .forEach(c -> client.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec());
    }

    private static HttpResponse<String> get(ExecutorInstance executor, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + executor.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
