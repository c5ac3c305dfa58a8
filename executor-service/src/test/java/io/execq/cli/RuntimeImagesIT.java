package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequestBuilder;
import io.execq.sdk.ExecutionRequests;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runtimes catalog end to end: requests that name a runtime alias go SDK → Kafka → a real in-process executor
 * with default image options → the hardened Docker sandbox (read-only root, user 65534, execq's seccomp profile,
 * the default 256 MiB memory limit) → a committed result naming the image the alias resolved to. The compilers
 * write their output into the workspace and their temporary files into the tmpfs {@code /tmp}.
 */
class RuntimeImagesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ExecqTopics topics;
    private static ExecutorInstance executor;

    @BeforeAll
    static void startExecutor() {
        DockerAvailability.requireDocker();
        topics = ExecqTopics.create(TestKafka.shared().bootstrapServers(), 2);
        // Default image options (aliases, allow-list, limits) and fallback policy; the alias runs ask for CONTAINER.
        executor = ExecutorInstance.start(topics.executorConfig(Map.of("concurrency", "4")));
    }

    @AfterAll
    static void stopExecutor() {
        if (executor != null) {
            executor.close();
        }
    }

    /** The README's line, as typed: no image option on the executor, an alias on the command line. */
    @Test
    void submitWithImageNodeRunsNodeOutOfTheBox() throws Exception {
        List<String> args = new ArrayList<>(List.of("submit"));
        args.addAll(topics.cliOptions());
        args.addAll(List.of("--wait", "--json", "--image", "node", "--", "node", "-e", "console.log(6*7)"));

        CliRun run = CliRun.of(args);

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(result.get("backend").asText()).isEqualTo("DOCKER");
        assertThat(result.get("image").asText()).isEqualTo("execq/node:18");
        assertThat(result.get("stdout").get("data").asText()).isEqualTo("42\n");
        assertThat(result.get("stderr").get("data").asText()).isEmpty();
    }

    /** The docs' claim: in the process fallback an alias picks nothing; the host's own files and tools run. */
    @Test
    void inTheProcessFallbackAnAliasMeansNothingTheHostRuns() throws Exception {
        // bubblewrap, which the process fallback runs under, is on the host and not in the execq/java image. (Not
        // the checkout: one under /tmp is hidden by the sandbox's private /tmp.)
        String hostOnly = "/usr/bin/bwrap";
        List<String> args = new ArrayList<>(List.of("submit"));
        args.addAll(topics.cliOptions());
        args.addAll(List.of("--wait", "--json", "--isolation", "process", "--image", "java", "--", "sh", "-c",
                "test -x \"$1\" && echo host", "sh", hostOnly));

        CliRun run = CliRun.of(args);

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("backend").asText()).isEqualTo("PROCESS");
        assertThat(result.get("image").isNull()).as("a process run names no image").isTrue();
        assertThat(result.get("stdout").get("data").asText()).isEqualTo("host\n");
    }

    @Test
    void everyRuntimeAliasRunsItsToolchainInTheImageItResolvesTo() throws Exception {
        Map<String, Expected> cases = new LinkedHashMap<>();
        cases.put("cpp", new Expected("execq/gcc:12", ExecutionRequests
                .command("sh", "-c", "g++ -O2 -o main main.cpp && ./main && ls main")
                .file("main.cpp", DemoSamples.CPP_MAIN.getBytes(StandardCharsets.UTF_8)), "42\nmain\n"));
        cases.put("gcc", new Expected("execq/gcc:12", ExecutionRequests
                .command("sh", "-c", "make -s hello && ./hello")
                .file("hello.c", "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 6 * 7); return 0; }\n"
                        .getBytes(StandardCharsets.UTF_8)), "42\n"));
        cases.put("java", new Expected("execq/java:17", ExecutionRequests
                .command("sh", "-c", "javac Main.java && java Main && ls Main.class")
                .file("Main.java", DemoSamples.JAVA_MAIN.getBytes(StandardCharsets.UTF_8)), "42\nMain.class\n"));
        cases.put("node", new Expected("execq/node:18", ExecutionRequests
                .command("node", "-e", "console.log(6 * 7, process.version.split('.')[0])"), "42 v18\n"));
        cases.put("python", new Expected("execq/python:3.11", ExecutionRequests
                .command("python3", "-c", "import sys; print(6 * 7, sys.version_info[:2])"), "42 (3, 11)\n"));
        cases.put("bash", new Expected("execq/python:3.11", ExecutionRequests
                .command("bash", "-c", "echo $((6 * 7)) ${BASH_VERSINFO[0]}"), "42 5\n"));
        cases.put("sh", new Expected("execq/busybox:latest", ExecutionRequests
                .command("sh", "-c", "echo $((6 * 7)); readlink /bin/sh"), "42\n/bin/busybox\n"));

        Map<String, ExecutionRequest> requests = new LinkedHashMap<>();
        Map<String, CompletableFuture<ExecutionResult>> pending = new LinkedHashMap<>();
        try (ExecutionClient client = ExecutionClient.builder().bootstrapServers(topics.bootstrapServers())
                .requestsTopic(topics.requests()).resultsTopic(topics.results()).build()) {
            cases.forEach((alias, expected) -> {
                ExecutionRequest request = expected.request().image(alias).isolation(Isolation.CONTAINER)
                        .timeout(Duration.ofSeconds(60)).build();
                requests.put(alias, request);
                pending.put(alias, client.execute(request, Duration.ofSeconds(180)));
            });
            for (Map.Entry<String, Expected> entry : cases.entrySet()) {
                String alias = entry.getKey();
                ExecutionResult result = pending.get(alias).join();
                String stdout = ResultSummary.text(result.getStdout());
                assertThat(result.getStatus()).as(alias + ": " + stdout + ResultSummary.text(result.getStderr())
                        + " " + result.getError()).isEqualTo(ExecutionStatus.SUCCEEDED);
                assertThat(result.getBackend()).as(alias).isEqualTo(Backend.DOCKER);
                assertThat(result.getImage()).as(alias).isEqualTo(entry.getValue().image());
                assertThat(result.getImageDigest()).as(alias).startsWith("sha256:");
                assertThat(stdout).as(alias).isEqualTo(entry.getValue().stdout());
                assertThat(requests.get(alias).getImage()).as("the request keeps the alias").isEqualTo(alias);
            }
        }
    }

    /** One case: the image the alias must resolve to, the request (image set by the test), its exact stdout. */
    private record Expected(String image, ExecutionRequestBuilder request, String stdout) {
    }
}
