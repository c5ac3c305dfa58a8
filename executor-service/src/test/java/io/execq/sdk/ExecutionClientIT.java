package io.execq.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.sdk.internal.KafkaExecutionClient;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka ExecutionClient against a real broker, answered by a {@link FakeExecutor}. */
class ExecutionClientIT {

    private static FakeExecutor executor;
    private static ExecutionClient client;

    @BeforeAll
    static void start() {
        String bootstrapServers = TestKafka.shared().bootstrapServers();
        executor = new FakeExecutor(bootstrapServers);
        client = ExecutionClient.builder().bootstrapServers(bootstrapServers).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        client.close();
        executor.close();
    }

    private static String stdout(ExecutionResult result) {
        return StandardCharsets.UTF_8.decode(result.getStdout().getData().duplicate()).toString();
    }

    @Test
    void submitCompletesWithTheIdOnceTheBrokerHasTheRequest() throws Exception {
        ExecutionRequest request = ExecutionRequests.command("echo", "submitted").build();

        String id = client.submit(request).get(30, TimeUnit.SECONDS);

        assertThat(id).isEqualTo(request.getRequestId());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> executor.received().contains(id));
    }

    @Test
    void executeReturnsTheResultOfItsOwnRequest() throws Exception {
        ExecutionRequest request = ExecutionRequests.command("python3", "-c", "print(6*7)")
                .label("team", "x").build();

        ExecutionResult result = client.execute(request, Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);

        assertThat(result.getRequestId()).isEqualTo(request.getRequestId());
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(stdout(result)).isEqualTo("python3 -c print(6*7)");
        assertThat(result.getLabels()).containsEntry("team", "x");
    }

    @Test
    void fiveThousandConcurrentExecutionsThroughOneClientEachGetTheirOwnResult() throws Exception {
        int count = 5_000;
        List<ExecutionRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(ExecutionRequests.command("echo", "n-" + i).build());
        }
        List<CompletableFuture<ExecutionResult>> results = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        long started = System.nanoTime();
        try {
            List<CompletableFuture<CompletableFuture<ExecutionResult>>> calls = new ArrayList<>();
            for (ExecutionRequest request : requests) {
                calls.add(CompletableFuture.supplyAsync(
                        () -> client.execute(request, Duration.ofSeconds(90)), callers));
            }
            for (CompletableFuture<CompletableFuture<ExecutionResult>> call : calls) {
                results.add(call.join());
            }
            CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(100, TimeUnit.SECONDS);
        } finally {
            callers.shutdown();
        }
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("%d concurrent executions completed in %d ms on the %s broker%n", count, elapsedMillis,
                TestKafka.shared().kind());

        for (int i = 0; i < count; i++) {
            ExecutionResult result = results.get(i).join();
            assertThat(result.getRequestId()).isEqualTo(requests.get(i).getRequestId());
            assertThat(stdout(result)).isEqualTo("echo n-" + i);
        }
        assertThat(((KafkaExecutionClient) client).pendingCount()).isZero();
    }

    @Test
    void aRequestWithoutAnswerTimesOutNamingItselfAndLeavesNoPendingEntry() throws Exception {
        ExecutionRequest request = ExecutionRequests.command("sleep", "forever")
                .label(FakeExecutor.IGNORE_LABEL, "ignore").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofMillis(1500));

        assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ExecutionTimeoutException.class)
                .hasMessage("no result for request " + request.getRequestId() + " within PT1.5S");
        assertThat(executor.received()).contains(request.getRequestId());
        assertThat(((KafkaExecutionClient) client).pendingCount()).isZero();
    }

    @Test
    void anOversizedRequestFailsBeforeReachingTheBroker() {
        ExecutionRequest request = ExecutionRequests.command("cat").stdin(new byte[17 << 20]).build();

        CompletableFuture<String> submitted = client.submit(request);

        assertThatThrownBy(() -> submitted.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RequestTooLargeException.class)
                .hasMessageStartingWith("request " + request.getRequestId() + " is ")
                .hasMessageEndingWith(" bytes serialized, over the limit of 16777216 bytes (max.request.size)");
    }

    @Test
    void closeFailsOutstandingExecutionsOfThatClient() throws Exception {
        ExecutionRequest request = ExecutionRequests.command("sleep", "forever")
                .label(FakeExecutor.IGNORE_LABEL, "ignore").build();
        ExecutionClient own = ExecutionClient.builder().bootstrapServers(TestKafka.shared().bootstrapServers())
                .build();
        CompletableFuture<ExecutionResult> result = own.execute(request, Duration.ofSeconds(60));
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> executor.received().contains(request.getRequestId()));

        own.close();

        assertThatThrownBy(() -> result.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed before the result of request " + request.getRequestId() + " arrived");
    }
}
