package io.execq.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code execq serve} as separate JVMs from the built jar, on a test's private topics, for tests that kill an
 * executor with SIGKILL. A JUnit extension ({@code @RegisterExtension}): what a test started is stopped after it.
 * Each executor logs to {@code <temp dir>/<id>.out}.
 */
public final class ExecutorProcesses implements AfterEachCallback {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<Process> started = new ArrayList<>();
    private Path logs;

    /**
     * Starts one executor of {@code group} on {@code topics}, with fast failover settings and {@code extra} options.
     */
    public Process start(ExecqTopics topics, String group, String id, List<String> extra) throws IOException {
        if (logs == null) {
            logs = Files.createTempDirectory("execq-executors");
        }
        List<String> command = new ArrayList<>(List.of("java", "-Dexecq.log.dir=" + logs.resolve(id), "-jar",
                Path.of("target", "execq.jar").toString(), "serve", "--embedded-kafka", "never",
                "--group-id", group, "--executor-id", id,
                "--kafka-property", "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=1000"));
        command.addAll(topics.cliOptions());
        command.addAll(extra);
        // Appended: an executor restarted under the same id (a crash test) keeps its first life's log.
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(id + ".out").toFile())).start();
        started.add(process);
        return process;
    }

    /** What executor {@code id} wrote to stdout and stderr (merged). */
    public Path output(String id) {
        return logs.resolve(id + ".out");
    }

    /** A free port on loopback for an executor's {@code --http-port}. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Whether the executor on {@code port} answers {@code /health/ready} with 200 (it joined and has a sandbox). */
    public static boolean ready(int port) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        started.clear();
    }
}
