package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.CancelOutcome;
import io.execq.sdk.ExecutionRequests;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecutorAndClient;
import io.execq.testing.MetricsScrape;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * Cancellation end to end: the SDK publishes to a private control topic, one real executor (real Kafka, real Docker,
 * the process fallback) reads it. Concurrency 1, so a second request waits behind a running one.
 */
class CancellationIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String controlTopic;
    private static ExecutorAndClient stack;

    @BeforeAll
    static void start() {
        controlTopic = "control-" + UUID.randomUUID().toString().substring(0, 8);
        stack = ExecutorAndClient.start(Map.of("concurrency", "1", "control-topic", controlTopic,
                "max-timeout", "2m"), builder -> builder.controlTopic(controlTopic));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void cancellingARunningContainerKillsItAndAnswersCancelledWithTheOutputSoFar() throws Exception {
        DockerAvailability.requireDocker();
        ExecutionRequest request = sleeper(Isolation.CONTAINER);
        CompletableFuture<ExecutionResult> result = stack.client().execute(request, Duration.ofMinutes(2));
        String token = token(request);
        Instant asked;
        CancelOutcome outcome;
        try {
            await().atMost(WAIT).until(() -> !containersOf(request.getRequestId()).isEmpty()
                    && hostHasProcess(token));
            Thread.sleep(500); // let it print its first line
        } finally {
            asked = Instant.now();
            outcome = stack.client().cancel(request.getRequestId(), WAIT).join();
        }

        assertKilled(request, outcome, result.join(), asked);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(containersOf(request.getRequestId()))
                .as("no container of the request is left").isEmpty());
        assertThat(hostHasProcess(token)).as("no process of the run is left").isFalse();
        assertThat(MetricsScrape.sum(stack.executor().httpPort(), "execq_cancellations_total", Map.of("outcome", "killed")))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void cancellingARunningHostProcessKillsItsTreeAndAnswersCancelled() throws Exception {
        ExecutionRequest request = sleeper(Isolation.PROCESS);
        CompletableFuture<ExecutionResult> result = stack.client().execute(request, Duration.ofMinutes(2));
        String token = token(request);
        Instant asked;
        CancelOutcome outcome;
        try {
            await().atMost(WAIT).until(() -> hostHasProcess(token));
            Thread.sleep(500);
        } finally {
            asked = Instant.now();
            outcome = stack.client().cancel(request.getRequestId(), WAIT).join();
        }

        assertKilled(request, outcome, result.join(), asked);
        assertThat(hostHasProcess(token)).as("no process of the run is left").isFalse();
    }

    @Test
    void aQueuedRequestThatIsCancelledNeverStarts() throws Exception {
        ExecutionRequest running = sleeper(Isolation.PROCESS);
        // The queued one on the other partition: fetched (its partition is not paused) and waiting for the only
        // slot. One behind the run on the same partition would stay in Kafka (paused) and be answered once fetched.
        ExecutionRequest queued = ExecutionRequests.command("echo", "never").isolation(Isolation.PROCESS).build();
        try (Requests requests = new Requests(stack.topics().bootstrapServers(), stack.topics().requests())) {
            requests.send(running, 0);
            await().atMost(WAIT).until(() -> hostHasProcess(token(running)));
            requests.send(queued, 1);
            await().atMost(WAIT).until(() -> stack.executor().notReadyReasons().isEmpty()
                    && MetricsScrape.sum(stack.executor().httpPort(), "execq_requests_queued") == 1);

            CancelOutcome outcome = stack.client().cancel(queued.getRequestId(), WAIT).join();

            assertThat(outcome.status()).isEqualTo(CancelOutcome.Status.CANCELLED);
            ExecutionResult result = outcome.result().orElseThrow();
            assertThat(result.getStatus()).isEqualTo(ExecutionStatus.CANCELLED);
            assertThat(result.getStartedAt()).as("never started").isNull();
            assertThat(result.getCancelledAt()).isNotNull();
            assertThat(result.getStdout().getData().remaining()).isZero();
            assertThat(hostHasProcess(token(running))).as("the running one goes on").isTrue();
            assertThat(MetricsScrape.sum(stack.executor().httpPort(), "execq_cancellations_total",
                    Map.of("outcome", "not_started"))).isGreaterThanOrEqualTo(1);
        } finally {
            assertThat(stack.client().cancel(running.getRequestId(), WAIT).join().status())
                    .isEqualTo(CancelOutcome.Status.CANCELLED);
        }
    }

    @Test
    void aCancellationThatArrivesBeforeItsRequestStillApplies() {
        ExecutionRequest request = ExecutionRequests.command("echo", "too late").isolation(Isolation.PROCESS).build();
        assertThat(stack.client().cancel(request.getRequestId()).join().status()).isEqualTo(CancelOutcome.Status.NO_RESULT);

        ExecutionResult result = stack.client().execute(request, WAIT).join();

        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.CANCELLED);
        assertThat(result.getStartedAt()).isNull();
    }

    @Test
    void cancellingAnUnknownRequestIsANoOpAnswer() {
        CancelOutcome outcome = stack.client().cancel("no-such-request-" + UUID.randomUUID(), Duration.ofSeconds(2)).join();

        assertThat(outcome.status()).isEqualTo(CancelOutcome.Status.NO_RESULT);
        assertThat(outcome.result()).isEmpty();
    }

    @Test
    void cancellingAFinishedRequestChangesNothing() throws Exception {
        ExecutionRequest request = ExecutionRequests.command("echo", "done").isolation(Isolation.PROCESS).build();
        ExecutionResult finished = stack.client().execute(request, WAIT).join();
        assertThat(finished.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);

        CancelOutcome outcome = stack.client().cancel(request.getRequestId(), WAIT).join();

        assertThat(outcome.status()).isEqualTo(CancelOutcome.Status.ALREADY_FINISHED);
        assertThat(outcome.result()).contains(finished);
        Thread.sleep(1000);
        CancelOutcome again = stack.client().cancel(request.getRequestId(), Duration.ofSeconds(3)).join();
        assertThat(again.result()).as("still the one original result").contains(finished);
    }

    private static void assertKilled(ExecutionRequest request, CancelOutcome outcome, ExecutionResult result,
                                     Instant asked) {
        assertThat(outcome.status()).isEqualTo(CancelOutcome.Status.CANCELLED);
        assertThat(outcome.result()).contains(result);
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.CANCELLED);
        assertThat(result.getStartedAt()).isNotNull();
        assertThat(result.getCancelledAt()).isNotNull();
        assertThat(Duration.between(asked, result.getFinishedAt())).as("killed within a few seconds")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(result.getTimedOut()).isFalse();
        assertThat(result.getExitCode()).as("SIGKILLed").isEqualTo(137);
        assertThat(StandardCharsets.UTF_8.decode(result.getStdout().getData()).toString())
                .isEqualTo("before " + token(request) + "\n");
        assertThat(result.getRequestId()).isEqualTo(request.getRequestId());
    }

    /** Prints a line, then sleeps far longer than any test; the token makes its shell's command line unique. */
    private static ExecutionRequest sleeper(Isolation isolation) {
        String token = "cancel-" + UUID.randomUUID();
        return ExecutionRequests.command("sh", "-c", "echo before " + token + "; sleep 3599; echo " + token)
                .isolation(isolation).timeout(Duration.ofSeconds(90)).build();
    }

    private static String token(ExecutionRequest request) {
        String script = request.getCommand().get(2);
        return script.substring(script.lastIndexOf(' ') + 1);
    }

    private static boolean hostHasProcess(String token) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(token)
                || p.info().arguments().map(a -> String.join(" ", a).contains(token)).orElse(false));
    }

    private static List<?> containersOf(String requestId) {
        return DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(HardenedHostConfig.LABEL_REQUEST_ID, requestId)).exec();
    }
}
