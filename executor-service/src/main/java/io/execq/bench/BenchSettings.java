package io.execq.bench;

import io.execq.schema.Backend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code execq bench} runs against, validated at construction.
 *
 * @param backends which backends' series run: {@code PROCESS}, {@code DOCKER} or both
 * @param command the benchmark command, an argv list (never a shell string)
 * @param image the image of the Docker series and of the requests
 * @param longCommand the head-of-line scenario's long run
 * @param longRuns how many long runs each head-of-line batch is submitted behind
 * @param dockerHost the Docker daemon
 * @param bootstrapServers a running deployment to measure; empty: an embedded broker and an in-process executor
 * @param executorOptions extra options of the in-process executor ({@code --executor-option k=v}); they win over
 *     the bench's own
 * @param timeout how long one sample may take before it counts as failed
 */
public record BenchSettings(Set<Backend> backends, List<String> command, String image, List<String> longCommand,
                            int longRuns, String dockerHost, Optional<String> bootstrapServers,
                            Map<String, String> executorOptions, Duration timeout) {

    public static final List<String> DEFAULT_COMMAND = List.of("echo", "bench");
    public static final String DEFAULT_IMAGE = "execq/busybox:latest";
    public static final List<String> DEFAULT_LONG_COMMAND = List.of("sleep", "5");
    public static final int DEFAULT_LONG_RUNS = 2;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public BenchSettings {
        backends = Set.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        command = requireArgv(command, "command");
        longCommand = requireArgv(longCommand, "longCommand");
        Objects.requireNonNull(image, "image");
        if (longRuns < 0) {
            throw new IllegalArgumentException("longRuns must be at least 0, got " + longRuns);
        }
        Objects.requireNonNull(dockerHost, "dockerHost");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        executorOptions = Map.copyOf(executorOptions);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    public boolean docker() {
        return backends.contains(Backend.DOCKER);
    }

    public boolean process() {
        return backends.contains(Backend.PROCESS);
    }

    private static List<String> requireArgv(List<String> argv, String name) {
        if (argv == null || argv.isEmpty() || argv.get(0).isBlank()) {
            throw new IllegalArgumentException(name + " must name a program, got " + argv);
        }
        return List.copyOf(argv);
    }
}
