package io.execq.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.execq.testing.DockerAvailability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;

/**
 * One project of {@code ops/compose.yaml} run with Debian's {@code docker-compose} (Compose v1): a project name of its
 * own ({@code execq-it-<random>}, so that it never touches another stack on the shared daemon), the compose
 * variables given to every command, and {@link #down()} that removes its containers, network and volumes.
 */
final class ComposeProject implements AutoCloseable {

    static final Path FILE = OpsFiles.OPS.resolve("compose.yaml");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    private final String name = "execq-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> variables;

    ComposeProject(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    /**
     * Call first. Under {@code EXECQ_REQUIRE_DOCKER=true} ({@code ops/test.sh}, which installs the package) a missing
     * {@code docker-compose} fails the test; elsewhere the test is skipped, like the other Docker tests.
     */
    static void requireCompose() {
        DockerAvailability.requireDocker();
        boolean present = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "docker-compose")));
        if (DockerAvailability.required()) {
            if (!present) {
                throw new IllegalStateException("EXECQ_REQUIRE_DOCKER=true but docker-compose is not installed; "
                        + "ops/test.sh installs Debian's docker-compose");
            }
            return;
        }
        assumeTrue(present, "docker-compose not installed (apt-get install docker-compose)");
    }

    String name() {
        return name;
    }

    /** {@code docker-compose ARGS...} for this project; fails with the command's output unless it exits 0. */
    String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "--ansi", "never", "-p", name, "-f",
                FILE.toAbsolutePath().normalize().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(variables);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not end within " + COMMAND_TIMEOUT);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " exited " + process.exitValue() + ":\n" + text);
        }
        return text;
    }

    /** The ids of the running containers of {@code service}. */
    List<String> containers(String service) throws IOException, InterruptedException {
        return run("ps", "-q", service).lines().map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
    }

    /** Docker's view of a container (health, host name, ...). */
    static InspectContainerResponse inspect(String container) {
        return docker().inspectContainerCmd(container).exec();
    }

    static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** Keeps the services' last log lines in {@code file} (for a failed run), then {@link #down()}. */
    void saveLogsAndDown(Path file) throws IOException, InterruptedException {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, run("logs", "--no-color", "--tail", "200"));
        } finally {
            down();
        }
    }

    /** {@code down -v}: containers (stopped within 10 s), network and volumes of this project. */
    void down() throws IOException, InterruptedException {
        run("down", "-v", "--timeout", "10");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        down();
    }
}
