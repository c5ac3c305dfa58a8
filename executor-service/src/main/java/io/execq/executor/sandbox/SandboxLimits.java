package io.execq.executor.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * The effective limits of one run, already clamped to the operator's maxima by the caller.
 *
 * @param timeout wall-clock limit from start to exit; the run is killed when it passes
 * @param memoryBytes memory limit (Docker: memory = memory+swap; process: its memory cgroup where the executor may
 *     create one, else address space)
 * @param milliCpus CPU share in thousandths of a core (Docker: CPU quota; process: CFS quota of its cpu cgroup, where
 *     available)
 * @param pids maximum number of processes/threads (Docker: pids cgroup; process: RLIMIT_NPROC of the run user and,
 *     where available, its pids cgroup)
 * @param maxOutputBytes bytes kept per stream (stdout and stderr each); the rest is counted and dropped
 */
public record SandboxLimits(Duration timeout, long memoryBytes, int milliCpus, int pids, long maxOutputBytes) {

    public SandboxLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (memoryBytes < 4L * 1024 * 1024) {
            throw new IllegalArgumentException("memoryBytes must be at least 4 MiB (Docker's minimum), got " + memoryBytes);
        }
        if (milliCpus < 1) {
            throw new IllegalArgumentException("milliCpus must be at least 1, got " + milliCpus);
        }
        if (pids < 1) {
            throw new IllegalArgumentException("pids must be at least 1, got " + pids);
        }
        if (maxOutputBytes < 0 || maxOutputBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxOutputBytes must be in [0, " + (Integer.MAX_VALUE - 8) + "], got " + maxOutputBytes);
        }
    }
}
