package io.execq.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.ExposedPort;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ops/compose.yaml} as an operator runs it: the images {@code ops/images/build.sh} makes offline, Debian's
 * {@code docker-compose}, one KRaft broker, three executors running sandboxes as sibling containers through the
 * mounted Docker socket, Prometheus finding them by DNS. Work goes in through the SDK to the broker's loopback port;
 * every executor answers some of it; one executor is scaled away while a batch runs, and {@code execq verify}'s
 * library finds every request answered exactly once. The test talks only to 127.0.0.1 (Kafka and Prometheus as
 * published) and to the Docker daemon's socket; containers talk to each other on the stack's own network. The
 * project (name {@code execq-it-*}) is removed with its volumes afterwards, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeStackIT {

    private static final int EXECUTORS = 3;
    private static final int PARTITIONS = 16; // the executors' --request-partitions default: they create the topics
    private static final Duration RESULT_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static ComposeProject stack;
    private static String bootstrap;
    private static int prometheusPort;
    private static ExecutionClient client;
    /** Executor id (the container's host name) by container id, of every executor the stack ran. */
    private static final Map<String, String> executorIds = new ConcurrentHashMap<>();
    private static final AtomicInteger submitted = new AtomicInteger();

    @BeforeAll
    static void startStack() throws Exception {
        ComposeProject.requireCompose();
        buildImages();
        int kafkaPort = ExecutorProcesses.freePort();
        prometheusPort = ExecutorProcesses.freePort();
        int socketGroup = (Integer) Files.getAttribute(Path.of("/var/run/docker.sock"), "unix:gid");
        stack = new ComposeProject(Map.of("EXECQ_KAFKA_PORT", Integer.toString(kafkaPort),
                "EXECQ_PROMETHEUS_PORT", Integer.toString(prometheusPort),
                "EXECQ_DOCKER_GID", Integer.toString(socketGroup),
                "EXECQ_VERSION", OpsFiles.projectVersion()));
        bootstrap = "127.0.0.1:" + kafkaPort;
        stack.run("up", "-d", "--scale", "executor=" + EXECUTORS);
        List<String> executors = awaitHealthyExecutors(EXECUTORS);
        client = ExecutionClient.builder().bootstrapServers(bootstrap).build();
        assertThat(executors).hasSize(EXECUTORS);
    }

    @AfterAll
    static void removeStack() throws Exception {
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            try {
                stack.saveLogsAndDown(Path.of("target", stack.name() + ".log"));
            } finally {
                removeLeftoverSandboxes();
            }
        }
    }

    @Test
    @Order(1)
    void theImageBuiltOfflineCarriesTheDockerfilesSettings() {
        Dockerfile dockerfile = Dockerfile.parse(Dockerfile.EXECUTOR);
        InspectImageResponse image = ComposeProject.docker().inspectImageCmd("execq/executor:"
                + OpsFiles.projectVersion()).exec();
        ContainerConfig config = image.getConfig();
        Dockerfile.Healthcheck check = dockerfile.healthcheck();
        List<String> healthTest = new ArrayList<>(List.of("CMD"));
        healthTest.addAll(check.command());

        assertThat(ComposeProject.docker().inspectImageCmd("execq/executor:latest").exec().getId())
                .isEqualTo(image.getId());
        assertThat(config.getUser()).isEqualTo(dockerfile.one("USER"));
        assertThat(config.getEntrypoint()).containsExactlyElementsOf(dockerfile.execForm("ENTRYPOINT"));
        assertThat(config.getCmd()).containsExactlyElementsOf(dockerfile.execForm("CMD"));
        assertThat(config.getWorkingDir()).isEqualTo(dockerfile.one("WORKDIR"));
        assertThat(config.getExposedPorts()).containsExactly(ExposedPort.tcp(Integer.parseInt(dockerfile.one("EXPOSE"))));
        dockerfile.env().forEach((k, v) -> assertThat(config.getEnv()).contains(k + "=" + v));
        assertThat(config.getLabels()).containsAllEntriesOf(dockerfile.labels())
                .containsEntry("org.opencontainers.image.version", OpsFiles.projectVersion());
        assertThat(config.getHealthcheck().getTest()).containsExactlyElementsOf(healthTest);
        assertThat(config.getHealthcheck().getInterval()).isEqualTo(check.duration("interval").toNanos());
        assertThat(config.getHealthcheck().getTimeout()).isEqualTo(check.duration("timeout").toNanos());
        assertThat(config.getHealthcheck().getStartPeriod()).isEqualTo(check.duration("start-period").toNanos());
        assertThat(config.getHealthcheck().getRetries()).isEqualTo(Integer.parseInt(check.options().get("retries")));
    }

    @Test
    @Order(2)
    void everyExecutorAnswersWorkSubmittedThroughTheSdkAndPrometheusScrapesThemAll() throws Exception {
        List<ExecutionResult> results = executeAll(requests(48, "echo"));

        assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).as(r.toString())
                .isEqualTo(ExecutionStatus.SUCCEEDED));
        assertThat(results).extracting(r -> new String(r.getStdout().getData().array(), StandardCharsets.UTF_8))
                .allMatch(out -> out.startsWith("echo "));
        assertThat(results).extracting(ExecutionResult::getExecutorId).as("answered by every executor")
                .containsAll(executorIds.values());
        assertThat(new HashSet<>(executorIds.values())).hasSize(EXECUTORS);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> assertThat(healthyTargets()).hasSize(EXECUTORS));
    }

    @Test
    @Order(3)
    void scalingDownByOneWhileABatchRunsLosesAndDuplicatesNothing() throws Exception {
        List<String> before = stack.containers("executor");
        List<ExecutionRequest> batch = requests(60, "sleep");
        Map<String, Set<String>> answeredBy = new ConcurrentHashMap<>();
        List<CompletableFuture<ExecutionResult>> running = new ArrayList<>();
        for (ExecutionRequest request : batch) {
            running.add(client.execute(request, RESULT_TIMEOUT).whenComplete((r, e) -> {
                if (r != null) {
                    answeredBy.computeIfAbsent(r.getExecutorId(), id -> ConcurrentHashMap.newKeySet())
                            .add(r.getRequestId());
                }
            }));
        }
        submitted.addAndGet(batch.size());
        // Every executor is working on the batch, and most of it is still to do.
        await().atMost(RESULT_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> answeredBy.keySet().containsAll(executorIds.values()));
        long doneAtScaleDown = running.stream().filter(CompletableFuture::isDone).count();

        stack.run("up", "-d", "--no-recreate", "--scale", "executor=" + (EXECUTORS - 1));

        List<String> after = stack.containers("executor");
        List<String> removed = new ArrayList<>(before);
        removed.removeAll(after);
        assertThat(removed).as("containers before %s, after %s", before, after).hasSize(1);
        assertThat(after).hasSize(EXECUTORS - 1).isSubsetOf(before);
        String victim = executorIds.get(removed.get(0));
        List<ExecutionResult> results = CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .thenApply(v -> running.stream().map(CompletableFuture::join).toList()).get(4, TimeUnit.MINUTES);
        assertThat(doneAtScaleDown).as("the batch was in flight when the executor left").isLessThan(batch.size());
        assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).as(r.toString())
                .isEqualTo(ExecutionStatus.SUCCEEDED));
        assertThat(answeredBy.get(victim)).as("the executor scaled away answered part of the batch").isNotEmpty();

        // The two left own every partition: a new wave is answered, by them only.
        List<ExecutionResult> wave = executeAll(requests(16, "echo"));
        Set<String> survivors = new HashSet<>();
        after.forEach(container -> survivors.add(executorIds.get(container)));
        assertThat(wave).extracting(ExecutionResult::getExecutorId).allMatch(survivors::contains);

        VerifyReport report = ExactlyOnce.verify(new ExecqTopics(bootstrap, "execq.requests", "execq.results",
                "execq.requests.dlt", PARTITIONS), Duration.ofMinutes(2));
        assertThat(report.requestRecords()).isEqualTo(submitted.get());
        assertThat(report.resultsByStatus()).containsExactlyEntriesOf(Map.of("SUCCEEDED", (long) submitted.get()));
        assertThat(report.deadLetters()).isZero();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> assertThat(healthyTargets()).hasSize(EXECUTORS - 1));
    }

    /**
     * {@code count} requests for the default image in a sandbox container: {@code echo} prints its number,
     * {@code sleep} sleeps a second first (so a batch of them keeps every executor busy for a while).
     */
    private static List<ExecutionRequest> requests(int count, String kind) {
        List<ExecutionRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String script = ("sleep".equals(kind) ? "sleep 1; " : "") + "echo " + kind + " " + i;
            requests.add(ExecutionRequests.command("sh", "-c", script).isolation(Isolation.CONTAINER)
                    .timeout(Duration.ofSeconds(30)).build());
        }
        return requests;
    }

    private static List<ExecutionResult> executeAll(List<ExecutionRequest> requests) throws Exception {
        List<CompletableFuture<ExecutionResult>> futures = requests.stream()
                .map(r -> client.execute(r, RESULT_TIMEOUT)).toList();
        submitted.addAndGet(requests.size());
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(RESULT_TIMEOUT.toSeconds() + 30,
                TimeUnit.SECONDS);
        return futures.stream().map(CompletableFuture::join).toList();
    }

    /** Scrape URLs of the execq-executors targets Prometheus has up, through its port on the host's loopback. */
    private static List<String> healthyTargets() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + prometheusPort + "/api/v1/targets?state=active")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> up = new ArrayList<>();
        for (JsonNode target : JSON.readTree(response.body()).path("data").path("activeTargets")) {
            if ("execq-executors".equals(target.path("labels").path("job").asText())
                    && "up".equals(target.path("health").asText())) {
                up.add(target.path("scrapeUrl").asText());
            }
        }
        return up;
    }

    /** Waits until {@code count} executor containers report healthy (the image's HEALTHCHECK on /health/ready). */
    private static List<String> awaitHealthyExecutors(int count) throws Exception {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            List<String> containers = stack.containers("executor");
            return containers.size() == count && containers.stream().allMatch(c -> "healthy".equals(
                    ComposeProject.inspect(c).getState().getHealth().getStatus()));
        });
        List<String> containers = stack.containers("executor");
        for (String container : containers) {
            executorIds.put(container, ComposeProject.inspect(container).getConfig().getHostName());
        }
        return containers;
    }

    /** Sandbox containers of this stack's executors that outlived them (stopped at down's 10 s): removed. */
    private static void removeLeftoverSandboxes() {
        for (String executor : executorIds.values()) {
            List<Container> left = ComposeProject.docker().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executor)).exec();
            for (Container container : left) {
                ComposeProject.docker().removeContainerCmd(container.getId()).withForce(true)
                        .withRemoveVolumes(true).exec();
            }
        }
    }

    /** {@code bash ops/images/build.sh} for the stack's images: nothing to do when ops/test.sh built them. */
    private static void buildImages() throws IOException, InterruptedException {
        Path log = Files.createTempFile("execq-compose-images", ".log");
        Process build = new ProcessBuilder("bash", OpsFiles.OPS.resolve("images/build.sh").toString(), "busybox",
                "kafka", "executor", "prometheus").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = build.waitFor(20, TimeUnit.MINUTES);
        String output = Files.readString(log);
        Files.delete(log);
        assertThat(ended && build.exitValue() == 0).as("ops/images/build.sh:\n%s", output).isTrue();
    }
}
