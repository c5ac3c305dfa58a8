package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A process sandbox in a JVM of its own, for tests that kill an executor's JVM with SIGKILL mid-run:
 * {@code java -cp <test class path> io.execq.executor.sandbox.process.SandboxChildProcess LOCK_DIR FIRST_UID
 * LAST_UID WORKSPACE_BASE ARGV...} runs ARGV once with a uid of FIRST..LAST (locks in LOCK_DIR) and prints the exit.
 */
public final class SandboxChildProcess {

    private SandboxChildProcess() {
    }

    public static void main(String[] args) throws Exception {
        RunUsers users = RunUsers.forHost(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[0]));
        try (ProcessSandbox sandbox = new ProcessSandbox(HostCapabilities.probe(), Path.of(args[3]),
                Clock.systemUTC(), users)) {
            List<String> argv = Arrays.asList(args).subList(4, args.length);
            SandboxOutcome outcome = sandbox.run(SandboxSpec.of("req-child", "child", "ignored", argv,
                    new SandboxLimits(Duration.ofMinutes(5), 128L << 20, 500, 32, 1 << 16)));
            System.out.println("exit " + outcome.exitCode());
        }
    }
}
