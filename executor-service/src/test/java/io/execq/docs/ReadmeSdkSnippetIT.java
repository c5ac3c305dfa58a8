package io.execq.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ResultSubscriber;
import io.execq.testing.DockerAvailability;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's SDK example, compiled and run against a real broker and a real executor. The example is the code
 * between the {@code tag::sdk} markers below; {@link ReadmeSdkSnippetTest} fails when the README and this code drift
 * apart (a unit test, so it runs even where Docker is missing and this test is skipped). The broker is a private embedded one, so the example can use the default topic names.
 */
class ReadmeSdkSnippetIT {

    private static final Path SOURCE = Path.of("src/test/java/io/execq/docs/ReadmeSdkSnippetIT.java");

    private static TestKafka kafka;
    private static ExecutorInstance executor;

    @BeforeAll
    static void startBrokerAndExecutor() {
        DockerAvailability.requireDocker();
        kafka = TestKafka.startEmbedded();
        executor = ExecutorInstance.start(ExecutorConfig.of(Map.of("bootstrap-servers", kafka.bootstrapServers(),
                "embedded-kafka", "never", "http-port", "0")));
    }

    @AfterAll
    static void stop() {
        if (executor != null) {
            executor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void sdkSnippetRunsAPythonProgramInAContainerAndTheSubscriberSeesTheResults() throws Exception {
        String bootstrapServers = kafka.bootstrapServers();
        // tag::sdk[]
        ExecutionClient client = ExecutionClient.builder()
            .bootstrapServers(bootstrapServers)          // "127.0.0.1:9092"; plus .kafkaProperty(k, v) / .kafkaProperties(Properties)
            .build();
        byte[] program = "import os, sys; print(int(sys.stdin.read()) * 7, os.environ['K'])".getBytes(StandardCharsets.UTF_8);
        ExecutionRequest req = ExecutionRequests.command("python3", "main.py")
            .image("execq/python:3.11").timeout(Duration.ofSeconds(10)).memoryBytes(64L << 20)
            .stdin("6".getBytes(StandardCharsets.UTF_8)).file("main.py", program).env("K", "V").label("team", "x")
            .isolation(Isolation.CONTAINER).deadline(Instant.now().plusSeconds(60)).build();
        CompletableFuture<String> id = client.submit(ExecutionRequests.command("echo", "fire and forget").build());
        CompletableFuture<ExecutionResult> r = client.execute(req, Duration.ofSeconds(30));
        ExecutionResult result = r.join();                // SUCCEEDED, stdout "42 V\n", backend DOCKER
        client.close();

        List<String> billed = new CopyOnWriteArrayList<>();
        ResultSubscriber sub = ResultSubscriber.builder().bootstrapServers(bootstrapServers).groupId("billing")
            .handler(res -> billed.add(res.getRequestId() + " " + res.getStatus() + " " + res.getRunMs() + "ms"))
            .build();
        // end::sdk[]

        assertThat(result.getRequestId()).isEqualTo(req.getRequestId());
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(StandardCharsets.UTF_8.decode(result.getStdout().getData()).toString()).isEqualTo("42 V\n");
        assertThat(result.getBackend()).isEqualTo(Backend.DOCKER);
        assertThat(result.getImage()).isEqualTo("execq/python:3.11");
        assertThat(result.getLabels()).containsEntry("team", "x");
        try (sub) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(billed)
                    .anyMatch(line -> line.startsWith(id.join() + " SUCCEEDED "))
                    .anyMatch(line -> line.startsWith(req.getRequestId() + " SUCCEEDED ")));
        }
    }

    /** The lines between the tag markers, with the method body's indentation removed. */
    static String snippet() throws Exception {
        List<String> lines = Files.readAllLines(SOURCE);
        int start = lines.indexOf("        // tag::sdk[]");
        int end = lines.indexOf("        // end::sdk[]");
        assertThat(start).as("tag::sdk marker").isPositive();
        assertThat(end).as("end::sdk marker").isGreaterThan(start);
        return lines.subList(start + 1, end).stream()
                .map(line -> line.isBlank() ? "" : line.substring(8))
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
