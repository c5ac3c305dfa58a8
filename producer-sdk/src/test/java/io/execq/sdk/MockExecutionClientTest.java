package io.execq.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockExecutionClientTest {

    private final MockExecutionClient client = new MockExecutionClient();

    @AfterEach
    void close() {
        client.close();
    }

    private static String stdout(ExecutionResult result) {
        return StandardCharsets.UTF_8.decode(result.getStdout().getData().duplicate()).toString();
    }

    @Test
    void answersExecuteWithTheResponderAndRecordsTheRequest() {
        client.respondWith(request -> ExecutionResults.succeeded(request, "42\n"));
        ExecutionRequest request = ExecutionRequests.command("python3", "-c", "print(6*7)").build();

        ExecutionResult result = client.execute(request, Duration.ofSeconds(1)).join();

        assertThat(result.getRequestId()).isEqualTo(request.getRequestId());
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(result.getExitCode()).isZero();
        assertThat(stdout(result)).isEqualTo("42\n");
        assertThat(client.submitted()).containsExactly(request);
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void withoutResponderExecuteWaitsForComplete() {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();
        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));
        assertThat(result).isNotDone();

        ExecutionResult answer = ExecutionResults.failed(request, 2, "boom");
        assertThat(client.complete("r1", answer)).isTrue();

        assertThat(result).isCompletedWithValue(answer);
        assertThat(client.complete("r1", answer)).isFalse();
    }

    @Test
    void completeRefusesAResultForAnotherRequest() {
        ExecutionRequest other = ExecutionRequests.command("echo").requestId("other").build();

        assertThatThrownBy(() -> client.complete("r1", ExecutionResults.succeeded(other, "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("result is for request other, not r1");
    }

    @Test
    void executeTimesOutLikeTheKafkaClient() {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofMillis(50));

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ExecutionTimeoutException.class)
                .hasMessage("no result for request r1 within PT0.05S");
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void refusesInvalidRequestsWithTheValidatorsMessageAndDoesNotRecordThem() {
        ExecutionRequest invalid = ExecutionRequest.newBuilder(ExecutionRequests.command("echo").build())
                .setCommand(List.of("")).build();

        assertThatThrownBy(() -> client.submit(invalid).join()).cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command[0] must not be blank");
        assertThat(client.submitted()).isEmpty();
    }

    @Test
    void failSubmissionsWithMakesSubmitAndExecuteFail() {
        SubmitException refused = new SubmitException("r1", "execq.requests", new RuntimeException("down"));
        client.failSubmissionsWith(refused);
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();

        assertThatThrownBy(() -> client.submit(request).join()).hasCause(refused);
        assertThatThrownBy(() -> client.execute(request, Duration.ofSeconds(1)).join()).hasCause(refused);
        assertThat(client.submitted()).isEmpty();
    }

    @Test
    void closeFailsWaitsAndLaterCalls() {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();
        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));

        client.close();

        assertThatThrownBy(result::join).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed before the result of request r1 arrived");
        assertThatThrownBy(() -> client.submit(request).join()).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed");
    }

    @Test
    void resultHelpersDescribeEachOutcome() {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").label("team", "x").build();

        ExecutionResult timedOut = ExecutionResults.timedOut(request);
        ExecutionResult oom = ExecutionResults.oomKilled(request);
        ExecutionResult rejected = ExecutionResults.rejected(request, "image not allowed");

        assertThat(timedOut.getStatus()).isEqualTo(ExecutionStatus.TIMED_OUT);
        assertThat(timedOut.getTimedOut()).isTrue();
        assertThat(oom.getStatus()).isEqualTo(ExecutionStatus.OOM_KILLED);
        assertThat(oom.getOomKilled()).isTrue();
        assertThat(rejected.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
        assertThat(rejected.getBackend()).isEqualTo(Backend.NONE);
        assertThat(rejected.getExitCode()).isNull();
        assertThat(rejected.getError()).isEqualTo("image not allowed");
        assertThat(rejected.getLabels()).containsEntry("team", "x");
        assertThat(ExecutionResults.succeeded(request, "a")).isEqualTo(ExecutionResults.succeeded(request, "a"));
        assertThatThrownBy(() -> ExecutionResults.failed(request, 0, ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a failed run has a non-zero exit code, got 0");
    }
}
