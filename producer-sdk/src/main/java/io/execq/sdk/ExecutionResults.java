package io.execq.sdk;

import io.execq.schema.Backend;
import io.execq.schema.CapturedOutput;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * Ready-made {@link ExecutionResult}s for tests, typically answers scripted into a {@link MockExecutionClient}.
 *
 * <p>Each result echoes the request's id, attempt, labels, image and {@code replayOf}; its instants all equal the
 * request's {@code submittedAt}, its durations are zero, and its executor id is {@value #EXECUTOR_ID}, so results
 * are deterministic and compare equal across runs. Use {@link ExecutionResult#newBuilder(ExecutionResult)} to
 * adjust any field.
 */
public final class ExecutionResults {

    /** The executor id of every result built here. */
    public static final String EXECUTOR_ID = "mock";

    private ExecutionResults() {
    }

    /** Exit code 0, {@code stdout} as UTF-8, empty stderr. */
    public static ExecutionResult succeeded(ExecutionRequest request, String stdout) {
        return ran(request, ExecutionStatus.SUCCEEDED, 0, stdout, "").build();
    }

    /** A non-zero {@code exitCode} with {@code stderr} as UTF-8, empty stdout. */
    public static ExecutionResult failed(ExecutionRequest request, int exitCode, String stderr) {
        if (exitCode == 0) {
            throw new IllegalArgumentException("a failed run has a non-zero exit code, got 0");
        }
        return ran(request, ExecutionStatus.FAILED, exitCode, "", stderr).build();
    }

    /** Killed at its timeout: exit code 137, {@code timedOut} set. */
    public static ExecutionResult timedOut(ExecutionRequest request) {
        return ran(request, ExecutionStatus.TIMED_OUT, 137, "", "").setTimedOut(true).build();
    }

    /** Killed by its memory limit: exit code 137, {@code oomKilled} set. */
    public static ExecutionResult oomKilled(ExecutionRequest request) {
        return ran(request, ExecutionStatus.OOM_KILLED, 137, "", "").setOomKilled(true).build();
    }

    /** Refused before running, with {@code reason} as the error. */
    public static ExecutionResult rejected(ExecutionRequest request, String reason) {
        return notRun(request, ExecutionStatus.REJECTED, reason);
    }

    /** Not started before its deadline. */
    public static ExecutionResult expired(ExecutionRequest request) {
        return notRun(request, ExecutionStatus.EXPIRED, "deadline " + request.getDeadline() + " passed");
    }

    private static ExecutionResult notRun(ExecutionRequest request, ExecutionStatus status, String error) {
        return base(request, status, "", "")
                .setBackend(Backend.NONE)
                .setExitCode(null)
                .setStartedAt(null)
                .setError(Objects.requireNonNull(error, "reason"))
                .build();
    }

    private static ExecutionResult.Builder ran(ExecutionRequest request, ExecutionStatus status, int exitCode,
            String stdout, String stderr) {
        return base(request, status, stdout, stderr)
                .setBackend(Backend.DOCKER)
                .setExitCode(exitCode)
                .setStartedAt(request.getSubmittedAt());
    }

    private static ExecutionResult.Builder base(ExecutionRequest request, ExecutionStatus status, String stdout,
            String stderr) {
        Objects.requireNonNull(request, "request");
        return ExecutionResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setAttempt(request.getAttempt())
                .setStatus(status)
                .setStdout(output(Objects.requireNonNull(stdout, "stdout")))
                .setStderr(output(Objects.requireNonNull(stderr, "stderr")))
                .setImage(request.getImage())
                .setProtections(List.of())
                .setExecutorId(EXECUTOR_ID)
                .setSubmittedAt(request.getSubmittedAt())
                .setFinishedAt(request.getSubmittedAt())
                .setLabels(new LinkedHashMap<>(request.getLabels()))
                .setReplayOf(request.getReplayOf());
    }

    /** {@code text} as UTF-8, complete (not truncated). */
    public static CapturedOutput output(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new CapturedOutput(ByteBuffer.wrap(bytes), (long) bytes.length, false);
    }
}
