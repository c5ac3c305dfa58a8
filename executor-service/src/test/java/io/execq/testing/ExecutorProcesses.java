package io.execq.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code execq serve} as separate JVMs from the built jar, on a test's private topics, for tests that kill an
 * executor with SIGKILL. Each one logs to {@code <logs>/<id>.out}; {@link #close} stops what is left.
 */
public final class ExecutorProcesses implements AutoCloseable {

    private final Path logs;
    private final List<Process> started = new ArrayList<>();

    public ExecutorProcesses(Path logs) {
        this.logs = logs;
    }

    /**
     * Starts one executor of {@code group} on {@code topics}, with fast failover settings and {@code extra} options.
     */
    public Process start(ExecqTopics topics, String group, String id, List<String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Dexecq.log.dir=" + logs.resolve(id), "-jar",
                Path.of("target", "execq.jar").toString(), "serve", "--embedded-kafka", "never",
                "--group-id", group, "--executor-id", id,
                "--kafka-property", "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=1000"));
        command.addAll(topics.cliOptions());
        command.addAll(extra);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve(id + ".out").toFile()).start();
        started.add(process);
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
