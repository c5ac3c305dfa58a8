package io.execq.executor.pipeline;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Artifact;
import io.execq.schema.Backend;
import io.execq.schema.CapturedOutput;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The build-result stage: one {@link ExecutionResult} per way a request can end. */
public final class ResultFactory {

    private static final CapturedOutput NO_OUTPUT = new CapturedOutput(ByteBuffer.allocate(0), 0L, false);

    private final String executorId;
    private final Clock clock;

    public ResultFactory(String executorId, Clock clock) {
        this.executorId = executorId;
        this.clock = clock;
    }

    public ExecutionResult completed(PreparedRun run, SandboxOutcome outcome) {
        return base(run.request())
                .setStatus(status(outcome))
                .setExitCode(outcome.exitCode().isPresent() ? outcome.exitCode().getAsInt() : null)
                .setSignal(signal(outcome))
                .setStdout(output(outcome.stdout()))
                .setStderr(output(outcome.stderr()))
                .setTimedOut(outcome.timedOut())
                .setOomKilled(outcome.oomKilled())
                .setBackend(outcome.backend())
                .setImage(outcome.backend() == Backend.DOCKER ? run.image() : null)
                .setImageDigest(outcome.imageId().orElse(null))
                .setLimits(run.limits())
                .setProtections(outcome.protections().stream().sorted().toList())
                .setSandboxRuntime(outcome.runtime().orElse(null))
                .setSeccompProfile(outcome.seccompProfile().orElse(null))
                .setStartedAt(outcome.startedAt())
                .setFinishedAt(outcome.finishedAt())
                .setQueueWaitMs(millisBetween(run.request().getSubmittedAt(), outcome.startedAt()))
                .setRunMs(millisBetween(outcome.startedAt(), outcome.finishedAt()))
                .setError(error(run, outcome))
                .setArtifacts(artifacts(outcome))
                .build();
    }

    /** The collected files as the result carries them; paths are workspace-relative. */
    private static List<Artifact> artifacts(SandboxOutcome outcome) {
        return outcome.artifacts().files().stream()
                .map(f -> new Artifact(f.path(), ByteBuffer.wrap(f.data()), f.size(), f.truncated())).toList();
    }

    /**
     * A run killed by its cancellation: what it printed until the kill, its exit status if it had one, status
     * {@code CANCELLED} with {@code cancelledAt}. A run the timeout killed first stays {@code TIMED_OUT}.
     */
    public ExecutionResult cancelled(PreparedRun run, SandboxOutcome outcome, Instant cancelledAt) {
        ExecutionResult result = completed(run, outcome);
        if (outcome.timedOut()) {
            return result;
        }
        result.setStatus(ExecutionStatus.CANCELLED);
        result.setCancelledAt(cancelledAt);
        result.setError("cancelled while running; killed at " + cancelledAt);
        return result;
    }

    /** A request cancelled before it started: it never runs. */
    public ExecutionResult cancelledBeforeStart(ExecutionRequest request) {
        ExecutionResult result = notRun(request, ExecutionStatus.CANCELLED, "cancelled before it started");
        result.setCancelledAt(result.getFinishedAt());
        return result;
    }

    public ExecutionResult rejected(ExecutionRequest request, String reason) {
        return notRun(request, ExecutionStatus.REJECTED, reason);
    }

    public ExecutionResult expired(ExecutionRequest request) {
        return notRun(request, ExecutionStatus.EXPIRED, "deadline " + request.getDeadline()
                + " passed before the request could start");
    }

    /** An infrastructure fault outlasted the retries; the run, if it started, left nothing behind. */
    public ExecutionResult error(PreparedRun run, String message) {
        return base(run.request()).setStatus(ExecutionStatus.ERROR).setLimits(run.limits()).setError(message)
                .build();
    }

    private ExecutionResult notRun(ExecutionRequest request, ExecutionStatus status, String reason) {
        return base(request).setStatus(status).setError(reason).build();
    }

    private ExecutionResult.Builder base(ExecutionRequest request) {
        Instant now = clock.instant();
        return ExecutionResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setAttempt(request.getAttempt())
                .setExitCode(null)
                .setStdout(NO_OUTPUT)
                .setStderr(NO_OUTPUT)
                .setTimedOut(false)
                .setOomKilled(false)
                .setBackend(Backend.NONE)
                .setImage(null)
                .setImageDigest(null)
                .setLimits(null)
                .setProtections(List.of())
                .setExecutorId(executorId)
                .setSubmittedAt(request.getSubmittedAt())
                .setStartedAt(null)
                .setFinishedAt(now)
                .setQueueWaitMs(millisBetween(request.getSubmittedAt(), now))
                .setRunMs(0L)
                .setError(null)
                .setLabels(request.getLabels())
                .setReplayOf(request.getReplayOf());
    }

    /** The outcome's error, followed by what of the artifacts was dropped (even for a run that succeeded). */
    private static String error(PreparedRun run, SandboxOutcome outcome) {
        String error = runError(run, outcome);
        java.util.Optional<String> dropped = outcome.artifacts().dropped();
        if (dropped.isEmpty()) {
            return error;
        }
        return error == null ? dropped.get() : error + "; " + dropped.get();
    }

    private static String runError(PreparedRun run, SandboxOutcome outcome) {
        if (outcome.startFailure().isPresent()) {
            return outcome.startFailure().get();
        }
        if (outcome.timedOut()) {
            return "timed out after " + run.limits().getTimeoutMillis() + " ms";
        }
        if (outcome.oomKilled()) {
            return "killed at the memory limit of " + run.limits().getMemoryBytes() + " bytes";
        }
        return null;
    }

    /** The highest signal number Linux has ({@code SIGRTMAX}). */
    static final int MAX_SIGNAL = 64;

    /**
     * The signal that killed the program, from its exit status as Docker, tini, bubblewrap and the shells report a
     * signal death: 128 + the signal's number (a segfault: 139, signal 11). A program that exits with such a status
     * on its own is indistinguishable and is reported the same way, as a shell would. None for a timeout (the
     * executor's own kill) or a program that never started.
     */
    static Integer signal(SandboxOutcome outcome) {
        if (outcome.timedOut() || outcome.exitCode().isEmpty() || outcome.startFailure().isPresent()) {
            return null;
        }
        int exit = outcome.exitCode().getAsInt();
        return exit > 128 && exit <= 128 + MAX_SIGNAL ? exit - 128 : null;
    }

    static ExecutionStatus status(SandboxOutcome outcome) {
        if (outcome.timedOut()) {
            return ExecutionStatus.TIMED_OUT;
        }
        if (outcome.oomKilled()) {
            return ExecutionStatus.OOM_KILLED;
        }
        return outcome.exitCode().getAsInt() == 0 ? ExecutionStatus.SUCCEEDED : ExecutionStatus.FAILED;
    }

    private static CapturedOutput output(CapturedStream stream) {
        return new CapturedOutput(ByteBuffer.wrap(stream.kept()), stream.totalBytes(), stream.truncated());
    }

    private static long millisBetween(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }
}
