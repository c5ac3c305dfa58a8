package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionResults;
import io.execq.sdk.ExecutionTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class PendingResultsTest {

    private final ManualTimeouts timeouts = new ManualTimeouts();
    private final PendingResults pending = new PendingResults(timeouts);

    private static ExecutionResult resultFor(String requestId) {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId(requestId).build();
        return ExecutionResults.succeeded(request, requestId);
    }

    @Test
    void completesTheWaitWithTheMatchingResultAndForgetsIt() throws Exception {
        CompletableFuture<ExecutionResult> first = pending.register("r1", Duration.ofSeconds(5));
        CompletableFuture<ExecutionResult> second = pending.register("r2", Duration.ofSeconds(5));
        ExecutionResult result = resultFor("r2");

        assertThat(pending.complete(result)).isTrue();

        assertThat(second.get()).isSameAs(result);
        assertThat(first).isNotDone();
        assertThat(pending.size()).isEqualTo(1);
        assertThat(timeouts.scheduled()).isEqualTo(1);
    }

    @Test
    void ignoresAResultNobodyWaitsFor() {
        CompletableFuture<ExecutionResult> waiting = pending.register("r1", Duration.ofSeconds(5));

        assertThat(pending.complete(resultFor("other"))).isFalse();

        assertThat(waiting).isNotDone();
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    void failsWithExecutionTimeoutNamingRequestAndTimeoutAndForgetsTheRequest() {
        CompletableFuture<ExecutionResult> waiting = pending.register("r1", Duration.ofSeconds(5));

        timeouts.advance(Duration.ofMillis(4999));
        assertThat(waiting).isNotDone();
        timeouts.advance(Duration.ofMillis(1));

        assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ExecutionTimeoutException.class)
                .hasMessage("no result for request r1 within PT5S");
        assertThat(pending.size()).isZero();
        assertThat(pending.complete(resultFor("r1"))).isFalse();
    }

    @Test
    void cancellingTheFutureForgetsTheRequestAndItsTimer() {
        CompletableFuture<ExecutionResult> waiting = pending.register("r1", Duration.ofSeconds(5));

        waiting.cancel(false);

        assertThat(pending.size()).isZero();
        assertThat(timeouts.scheduled()).isZero();
        assertThatThrownBy(waiting::join).isInstanceOf(CancellationException.class);
    }

    @Test
    void refusesASecondConcurrentWaitForTheSameId() {
        CompletableFuture<ExecutionResult> first = pending.register("r1", Duration.ofSeconds(5));
        CompletableFuture<ExecutionResult> second = pending.register("r1", Duration.ofSeconds(5));

        assertThatThrownBy(second::get).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("request r1 is already awaiting a result");
        assertThat(first).isNotDone();
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    void closeFailsEveryWaitAndEveryLaterRegistration() {
        CompletableFuture<ExecutionResult> waiting = pending.register("r1", Duration.ofSeconds(5));

        pending.close(id -> new IllegalStateException("closed: " + id));
        CompletableFuture<ExecutionResult> late = pending.register("r2", Duration.ofSeconds(5));

        assertThatThrownBy(waiting::get).cause().isInstanceOf(IllegalStateException.class).hasMessage("closed: r1");
        assertThatThrownBy(late::get).cause().isInstanceOf(IllegalStateException.class).hasMessage("closed: r2");
        assertThat(pending.size()).isZero();
        assertThat(timeouts.scheduled()).isZero();
    }
}
