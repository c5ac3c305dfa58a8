package io.execq.executor.sandbox;

import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What happened to one run. Every user-side failure is a value here; nothing about the user's program throws.
 *
 * <ul>
 *   <li>{@code exitCode}: the program's exit status as the runtime reported it (a signal death is 128+signal).
 *       Empty when the sandbox killed the run for its timeout: the status then belongs to the kill, not to the
 *       program.</li>
 *   <li>{@code timedOut}: the wall-clock limit passed and the run (with all its processes) was killed.</li>
 *   <li>{@code oomKilled}: the runtime's own OOM evidence (Docker {@code State.OOMKilled}; the process sandbox's
 *       per-run memory cgroup's {@code oom_kill} count), never guessed from exit code 137. A process sandbox
 *       without a memory cgroup reports {@code false}: a program that exceeds its address-space limit sees
 *       allocation failures and exits on its own.</li>
 *   <li>{@code stdout}/{@code stderr}: captured separately, each capped at the spec's {@code maxOutputBytes},
 *       with the original byte count and a truncated flag.</li>
 *   <li>{@code startedAt}/{@code finishedAt}: from the sandbox's injected clock; started when the program was
 *       started, finished when its exit (or kill) was observed.</li>
 *   <li>{@code backend}/{@code protections}: which sandbox ran it and what it enforced.</li>
 *   <li>{@code imageId}: the image id that ran (Docker, {@code sha256:...}); empty for the process sandbox.</li>
 *   <li>{@code runtime}: what ran the program: the OCI runtime of a Docker run ({@code runc}, {@code runsc}) or
 *       the host wrapper of a process run.</li>
 *   <li>{@code seccompProfile}: the seccomp profile that confined the run, when one did.</li>
 *   <li>{@code startFailure}: why the program itself could not be executed (not found, not executable, argument
 *       list too long), in the OS's words. Such a run is the user's failure, never an infrastructure fault: its
 *       exit code is the shell's (127 not found, 126 cannot execute) and it is not retried.</li>
 *   <li>{@code artifacts}: the workspace files the spec's {@link CollectSpec} asked for, read after every process
 *       of the run was gone, and what was dropped.</li>
 * </ul>
 */
public record SandboxOutcome(
        OptionalInt exitCode,
        boolean timedOut,
        boolean oomKilled,
        CapturedStream stdout,
        CapturedStream stderr,
        Instant startedAt,
        Instant finishedAt,
        Backend backend,
        Set<Protection> protections,
        Optional<String> imageId,
        Optional<String> runtime,
        Optional<String> seccompProfile,
        Optional<String> startFailure,
        CollectedArtifacts artifacts) {

    /** Exit code of a program that was not found, as a shell gives it. */
    public static final int EXIT_NOT_FOUND = 127;
    /** Exit code of a program that was found but could not be executed, as a shell gives it. */
    public static final int EXIT_CANNOT_EXECUTE = 126;

    /** An outcome that names no runtime and no seccomp profile. */
    public SandboxOutcome(OptionalInt exitCode, boolean timedOut, boolean oomKilled, CapturedStream stdout,
                          CapturedStream stderr, Instant startedAt, Instant finishedAt, Backend backend,
                          Set<Protection> protections, Optional<String> imageId) {
        this(exitCode, timedOut, oomKilled, stdout, stderr, startedAt, finishedAt, backend, protections, imageId,
                Optional.empty(), Optional.empty());
    }

    /** An outcome whose program was started by itself (no start failure). */
    public SandboxOutcome(OptionalInt exitCode, boolean timedOut, boolean oomKilled, CapturedStream stdout,
                          CapturedStream stderr, Instant startedAt, Instant finishedAt, Backend backend,
                          Set<Protection> protections, Optional<String> imageId, Optional<String> runtime,
                          Optional<String> seccompProfile) {
        this(exitCode, timedOut, oomKilled, stdout, stderr, startedAt, finishedAt, backend, protections, imageId,
                runtime, seccompProfile, Optional.empty());
    }

    /** An outcome without artifacts. */
    public SandboxOutcome(OptionalInt exitCode, boolean timedOut, boolean oomKilled, CapturedStream stdout,
                          CapturedStream stderr, Instant startedAt, Instant finishedAt, Backend backend,
                          Set<Protection> protections, Optional<String> imageId, Optional<String> runtime,
                          Optional<String> seccompProfile, Optional<String> startFailure) {
        this(exitCode, timedOut, oomKilled, stdout, stderr, startedAt, finishedAt, backend, protections, imageId,
                runtime, seccompProfile, startFailure, CollectedArtifacts.NONE);
    }

    /** This outcome, marked as a program that could not be executed for {@code reason}. */
    public SandboxOutcome withStartFailure(String reason) {
        return new SandboxOutcome(exitCode, timedOut, oomKilled, stdout, stderr, startedAt, finishedAt, backend,
                protections, imageId, runtime, seccompProfile, Optional.of(reason), artifacts);
    }

    /** This outcome as a program that never ran: {@code failure}'s exit code and reason, not timed out. */
    public SandboxOutcome asStartFailure(StartFailure failure) {
        return new SandboxOutcome(OptionalInt.of(failure.exitCode()), false, oomKilled, stdout, stderr, startedAt,
                finishedAt, backend, protections, imageId, runtime, seccompProfile, Optional.of(failure.reason()),
                artifacts);
    }

    /** This outcome with {@code collected} as its artifacts. */
    public SandboxOutcome withArtifacts(CollectedArtifacts collected) {
        return new SandboxOutcome(exitCode, timedOut, oomKilled, stdout, stderr, startedAt, finishedAt, backend,
                protections, imageId, runtime, seccompProfile, startFailure, collected);
    }

    public SandboxOutcome {
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(backend, "backend");
        protections = Set.copyOf(protections);
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(seccompProfile, "seccompProfile");
        Objects.requireNonNull(startFailure, "startFailure");
        Objects.requireNonNull(artifacts, "artifacts");
        if (startFailure.isPresent() && (exitCode.isEmpty() || exitCode.getAsInt() == 0)) {
            throw new IllegalArgumentException("a program that could not be executed has a non-zero exit code");
        }
        if (timedOut && exitCode.isPresent()) {
            throw new IllegalArgumentException("a timed-out run has no exit code of its own");
        }
        if (!timedOut && exitCode.isEmpty()) {
            throw new IllegalArgumentException("a run that was not timed out must have an exit code");
        }
    }

    /** True when the program exited by itself with status 0 and nothing was cut off or killed. */
    public boolean succeeded() {
        return exitCode.isPresent() && exitCode.getAsInt() == 0 && !timedOut && !oomKilled;
    }

    /** Wall-clock time between start and observed exit. */
    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }
}
