package io.execq.bench;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the Kafka-facing series send their requests: by default a private embedded broker (temporary data dir)
 * and one in-process executor sized so that it never throttles the benchmark (rate 100000/s, bulkhead = the
 * highest concurrency level); with {@code --bootstrap-servers}, a running deployment and its executors.
 */
final class BenchEnvironment implements AutoCloseable {

    static final String EXECUTOR_RATE = "100000";

    private final String bootstrapServers;
    private final Optional<Path> dataDir;
    private final Optional<EmbeddedKafka> kafka;
    private final Optional<ExecutorInstance> executor;
    private final Map<String, String> executorOptions;

    private BenchEnvironment(String bootstrapServers, Optional<Path> dataDir, Optional<EmbeddedKafka> kafka,
            Optional<ExecutorInstance> executor, Map<String, String> executorOptions) {
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.kafka = kafka;
        this.executor = executor;
        this.executorOptions = executorOptions;
    }

    static BenchEnvironment start(BenchSettings settings, BenchPlan plan) throws IOException {
        if (settings.bootstrapServers().isPresent()) {
            return new BenchEnvironment(settings.bootstrapServers().get(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Map.of());
        }
        Path dataDir = Files.createTempDirectory("execq-bench-kafka");
        EmbeddedKafka kafka = null;
        try {
            kafka = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
            Map<String, String> options = executorOptions(kafka.bootstrapServers(), settings, plan);
            ExecutorInstance executor = ExecutorInstance.start(ExecutorConfig.of(options));
            return new BenchEnvironment(kafka.bootstrapServers(), Optional.of(dataDir), Optional.of(kafka),
                    Optional.of(executor), Map.copyOf(options));
        } catch (RuntimeException e) {
            if (kafka != null) {
                kafka.close();
            }
            deleteRecursively(dataDir);
            throw e;
        }
    }

    /** The in-process executor's options: the bench's, then {@code --executor-option}s, which win. */
    static Map<String, String> executorOptions(String bootstrapServers, BenchSettings settings, BenchPlan plan) {
        Map<String, String> options = new HashMap<>(Map.of(
                "bootstrap-servers", bootstrapServers, "embedded-kafka", "never", "http-port", "0",
                "group-id", "execq-bench", "executor-id", "bench-executor", "docker-host", settings.dockerHost(),
                "rate", EXECUTOR_RATE, "concurrency", Integer.toString(plan.maxConcurrency()),
                "default-image", settings.image()));
        options.putAll(settings.executorOptions());
        return options;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The in-process executor's options; empty when measuring a deployment. */
    Map<String, String> executorOptions() {
        return executorOptions;
    }

    boolean inProcessExecutor() {
        return executor.isPresent();
    }

    @Override
    public void close() {
        executor.ifPresent(ExecutorInstance::close);
        kafka.ifPresent(EmbeddedKafka::close);
        dataDir.ifPresent(BenchEnvironment::deleteRecursively);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
