package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Kills everything a run started. Three nets, because each alone has a hole:
 * <ul>
 *   <li>the descendants snapshot, deepest first: includes the pid-namespace init (the user's program under
 *       {@code unshare --fork}), whose death makes the kernel kill every process in the namespace, including
 *       ones that called {@code setsid} or were reparented;</li>
 *   <li>the process group ({@code kill -KILL -- -pgid}): the run's session leader is the process we started,
 *       so this catches group members that are no longer our descendants (no namespace available);</li>
 *   <li>the started process itself.</li>
 * </ul>
 * Without a pid namespace a child that both calls {@code setsid} and double-forks escapes all three; the
 * sandbox then does not claim {@code PID_NAMESPACE}.
 */
final class ProcessTree {

    private ProcessTree() {
    }

    static void killAll(Process process, Optional<Path> killTool) {
        List<ProcessHandle> descendants = process.descendants().toList();
        for (int i = descendants.size() - 1; i >= 0; i--) {
            descendants.get(i).destroyForcibly();
        }
        killTool.ifPresent(kill -> killGroup(kill, process.pid()));
        process.destroyForcibly();
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
