package io.execq.executor.sandbox.docker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's own record of a memory-cgroup OOM kill, as a last witness when Docker's is missing.
 *
 * <p>Why: with cgroup v1 the OOM notification travels kernel → containerd shim (an eventfd) → containerd → dockerd,
 * and under CPU pressure a container that dies within milliseconds of its OOM can be reported as a plain exit 137
 * with neither {@code State.OOMKilled} nor an {@code oom} event (seen here: 1 in ~50 memory bombs on a loaded
 * two-core machine). The kernel logs every such kill with the victim's memory cgroup, which names the container
 * ({@code oom-kill:...,task_memcg=/docker/<id>,...}). Reading it needs root (CAP_SYSLOG); without it the answer is
 * simply "not seen", never a guess.
 */
final class KernelOomLog {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    private KernelOomLog() {
    }

    /** True when the kernel log records an OOM kill inside the cgroup of {@code containerId}. */
    static boolean recordsKillIn(String containerId) throws InterruptedException {
        Process dmesg;
        try {
            dmesg = new ProcessBuilder("dmesg").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return false;
        }
        boolean found = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(dmesg.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.contains("oom-kill:") && line.contains(containerId)) {
                    found = true;
                }
            }
        } catch (IOException e) {
            return false;
        } finally {
            if (!dmesg.waitFor(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                dmesg.destroyForcibly();
            }
        }
        return found;
    }
}
