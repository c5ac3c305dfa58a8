package io.execq.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, installed by {@code ops/lib/prometheus.sh}) on
 * 127.0.0.1, with its own storage in a temporary directory, for tests that check scrape configs, rules and
 * dashboards against a live executor. Queries go through its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path storage;
    private final Path log;
    private final int port;

    private PrometheusServer(Process process, Path storage, Path log, int port) {
        this.process = process;
        this.storage = storage;
        this.log = log;
        this.port = port;
    }

    /**
     * Call first in a test that needs Prometheus. Under {@code EXECQ_REQUIRE_DOCKER=true} ({@code ops/test.sh}, which
     * installs the package) a missing binary fails the test; elsewhere the test is skipped, like the Docker tests.
     */
    public static void requireBinaries() {
        boolean present = onPath("prometheus") && onPath("promtool");
        if (DockerAvailability.required()) {
            if (!present) {
                throw new IllegalStateException("EXECQ_REQUIRE_DOCKER=true but prometheus/promtool are not installed; "
                        + "run: bash ops/lib/prometheus.sh ensure");
            }
            return;
        }
        assumeTrue(present, "prometheus/promtool not installed; run ops/test.sh or bash ops/lib/prometheus.sh ensure");
    }

    /** Starts {@code prometheus} with {@code config} on a free loopback port; returns once it answers ready. */
    public static PrometheusServer start(Path config) throws IOException, InterruptedException {
        Path storage = Files.createTempDirectory("execq-prometheus");
        Path log = storage.resolveSibling(storage.getFileName() + ".log");
        int port = freePort();
        Process process = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + storage.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, storage, log, port);
        Instant deadline = Instant.now().plusSeconds(30);
        while (!server.ready()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                String output = Files.readString(log);
                server.close();
                throw new IllegalStateException("prometheus did not become ready; its output:\n" + output);
            }
            Thread.sleep(200);
        }
        return server;
    }

    /** A free loopback port now (nothing listens on it once this returns). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Runs {@code promtool} with {@code args}; returns its exit status and output (stdout and stderr). */
    public static ToolResult promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("promtool " + args[0] + " did not finish within 60 s");
        }
        return new ToolResult(process.exitValue(), output);
    }

    /** Exit status and output of a tool run. */
    public record ToolResult(int exitCode, String output) {
    }

    /** {@code /api/v1/query_range} from {@code start} to now, one step a second; the {@code data.result} array. */
    public JsonNode queryRange(String query, Instant start) throws IOException, InterruptedException {
        return api("/api/v1/query_range?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
                + "&start=" + start.getEpochSecond() + "&end=" + Instant.now().getEpochSecond() + "&step=1")
                .path("result");
    }

    /** {@code /api/v1/rules}: the rule groups as Prometheus loaded and last evaluated them. */
    public JsonNode rules() throws IOException, InterruptedException {
        return api("/api/v1/rules").path("groups");
    }

    /** {@code /api/v1/targets}: the active targets with their health. */
    public JsonNode targets() throws IOException, InterruptedException {
        return api("/api/v1/targets").path("activeTargets");
    }

    /** Prometheus' own log (warnings and errors), for failure messages. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    private JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("Prometheus answered " + response.statusCode() + " to " + pathAndQuery
                    + ": " + response.body());
        }
        return body.path("data");
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(storage)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(log);
    }
}
