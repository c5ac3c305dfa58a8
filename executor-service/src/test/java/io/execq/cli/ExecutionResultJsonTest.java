package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionResults;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExecutionResultJsonTest {

    private static final Instant SUBMITTED = Instant.parse("2026-11-22T10:00:00Z");

    private static ExecutionRequest request() {
        return ExecutionRequests.command("echo", "hi").requestId("r-1").submittedAt(SUBMITTED)
                .replayOf("r-0").attempt(2).build();
    }

    @Test
    void writesTheAvroFieldNamesWithPlainUnionsIsoInstantsAndOutputAsText() {
        ExecutionResult result = ExecutionResults.failed(request(), 3, "bad \"quote\"\n");
        result.setStartedAt(null);
        result.setFinishedAt(Instant.parse("2026-11-22T10:00:01.500Z"));
        result.setLabels(java.util.Map.of());

        String json = ExecutionResultJson.write(result);

        assertThat(json).startsWith("{\"requestId\":\"r-1\",\"attempt\":2,\"status\":\"FAILED\",\"exitCode\":3,"
                + "\"stdout\":{\"data\":\"\",\"totalBytes\":0,\"truncated\":false},"
                + "\"stderr\":{\"data\":\"bad \\\"quote\\\"\\n\",\"totalBytes\":12,\"truncated\":false},"
                + "\"timedOut\":false,\"oomKilled\":false,");
        assertThat(json).contains("\"submittedAt\":\"2026-11-22T10:00:00Z\",\"startedAt\":null,"
                + "\"finishedAt\":\"2026-11-22T10:00:01.500Z\"");
        assertThat(json).endsWith("\"labels\":{},\"replayOf\":\"r-0\",\"signal\":null,\"artifacts\":[],"
                + "\"cancelledAt\":null}");
        assertThat(json).doesNotContain("\n").doesNotContain("{\"int\"").doesNotContain("{\"string\"");
    }

    @Test
    void writesANullExitCodeAsNull() {
        ExecutionResult result = ExecutionResults.expired(request());

        assertThat(ExecutionResultJson.write(result)).contains("\"status\":\"EXPIRED\",\"exitCode\":null,");
    }
}
