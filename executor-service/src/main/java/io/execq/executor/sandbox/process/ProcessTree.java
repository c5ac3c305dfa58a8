package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Kills everything a run started. Three nets, because each alone has a hole:
 * <ul>
 *   <li>the started process (the wrapper), then the descendants snapshot taken before, deepest first: includes
 *       the pid-namespace init (bwrap's reaper, or the user's program under {@code unshare --fork}), whose death
 *       makes the kernel kill every process in the namespace, including ones that called {@code setsid} or were
 *       reparented;</li>
 *   <li>the process group ({@code kill -KILL -- -pgid}): the run's session leader is the process we started,
 *       so this catches group members that are no longer our descendants (no namespace available).</li>
 * </ul>
 * Without a pid namespace a child that both calls {@code setsid} and double-forks escapes all three; the
 * sandbox then does not claim {@code PID_NAMESPACE}.
 *
 * <p>When the run has a uid of its own ({@link RunUsers}), {@link #killUser} is the last net and catches anything
 * that escaped the others: every process of that uid belongs to the run.
 */
final class ProcessTree {

    private static final String SHELL = "/bin/sh";
    private static final Duration RETRY = Duration.ofMillis(20);

    private ProcessTree() {
    }

    static void killAll(Process process, Optional<Path> killTool) {
        List<ProcessHandle> descendants = process.descendants().toList();
        // The wrapper first, before anything below it: util-linux's unshare prints "sigprocmask unblock failed"
        // into the run's stderr when it outlives a child killed by SIGKILL. Dead first, it prints nothing. Its
        // parent-death signal (bwrap --die-with-parent, unshare --kill-child) does not reach the namespace's init
        // once setpriv has switched its uid (the kernel clears it), so the init is killed from the snapshot below.
        // Through the handle: Process.destroyForcibly() also closes our end of stdout/stderr, and whatever the
        // output pumps had not read yet would be lost (seen: a successful echo reported with empty output).
        process.toHandle().destroyForcibly();
        for (int i = descendants.size() - 1; i >= 0; i--) {
            descendants.get(i).destroyForcibly();
        }
        killTool.ifPresent(kill -> killGroup(kill, process.pid()));
    }

    /**
     * Kills every process whose real or saved uid is {@code uid}, then waits until none is left.
     *
     * <p>The kill is {@code kill(-1, SIGKILL)} sent by a process running as {@code uid}: the kernel delivers it to
     * every process that uid may signal, walking the process list under the lock {@code fork} needs, so a fork bomb
     * cannot outrun it the way a pid-by-pid kill can be outrun. It is the shell's builtin {@code kill}: procps'
     * {@code kill -KILL -1} was seen to exit 1 and leave the processes alive on Debian 12. The kill is repeated
     * until {@code hasProcesses} says none is left (zombies count until reaped) or {@code patience} has passed.
     * The caller's interrupt status is kept but does not cut the clean-up short.
     *
     * @return whether no process of {@code uid} was left
     */
    static boolean killUser(Path setpriv, int uid, Duration patience, IntPredicate hasProcesses) {
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + patience.toNanos();
            while (hasProcesses.test(uid)) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                run(List.of(setpriv.toString(), "--reuid", Integer.toString(uid), "--regid", Integer.toString(uid),
                        "--clear-groups", "--", SHELL, "-c", "kill -KILL -1"));
                if (hasProcesses.test(uid)) {
                    Thread.sleep(RETRY.toMillis()); // reaping killed processes takes their parents a moment
                }
            }
            return true;
        } catch (InterruptedException e) {
            interrupted = true;
            return !hasProcesses.test(uid);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void run(List<String> argv) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // Checked by the caller: the processes are still there.
        }
    }

    private static void killGroup(Path kill, long pgid) {
        try {
            Process p = new ProcessBuilder(kill.toString(), "-KILL", "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // The group is already gone or kill is missing: the other nets still apply.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
