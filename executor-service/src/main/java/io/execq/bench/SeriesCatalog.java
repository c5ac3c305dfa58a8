package io.execq.bench;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.pipeline.RequestValidator;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.process.HostCapabilities;
import io.execq.executor.sandbox.process.ProcessSandbox;
import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * The series one invocation measures, in report order, and everything they hold open (clients, sandboxes, the
 * Kafka floor), closed in reverse order of opening.
 *
 * <p>Throughput and latency scenarios: raw spawn, raw hardened spawn (process backend), the Docker series (docker
 * backend), the Kafka floor, then execq end to end per backend. Head-of-line scenario: per backend, execq's short
 * requests alone and behind long runs.
 */
final class SeriesCatalog implements AutoCloseable {

    private final BenchSettings settings;
    private final SandboxLimits limits;
    private final List<Series> series = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    private SeriesCatalog(BenchSettings settings, SandboxLimits limits) {
        this.settings = settings;
        this.limits = limits;
    }

    /**
     * Opens every series of {@code plan}'s scenario.
     *
     * @throws IllegalStateException when a Docker series is asked for and Docker or the image is not available
     */
    static SeriesCatalog open(BenchSettings settings, BenchPlan plan, BenchEnvironment environment)
            throws Exception {
        ExecutorConfig executorConfig = ExecutorConfig.of(environment.executorOptions());
        SeriesCatalog catalog = new SeriesCatalog(settings,
                RequestValidator.sandboxLimits(executorConfig.defaultLimits()));
        try {
            if (plan.scenario() == Scenario.HOL) {
                catalog.addHeadOfLine(environment);
            } else {
                catalog.addAll(environment);
            }
            return catalog;
        } catch (Exception | Error e) {
            catalog.close();
            throw e;
        }
    }

    List<Series> series() {
        return List.copyOf(series);
    }

    private void addAll(BenchEnvironment environment) throws Exception {
        if (settings.process()) {
            series.add(new PlainSpawnSeries(settings.command()));
            ProcessSandbox sandbox = new ProcessSandbox(HostCapabilities.probe(), workspaceBase(), Clock.systemUTC());
            series.add(opened(new SandboxSeries("raw-hardened-spawn", "ProcessSandbox.run(spec) called directly: "
                    + "the process sandbox's own wrapper chain, workspace and clean-up, no Kafka", sandbox, this::spec)));
        }
        if (settings.docker()) {
            series.addAll(opened(DockerSeries.open(settings.dockerHost(), settings.image(), this::spec)).series());
        }
        KafkaFloor floor = opened(KafkaFloor.open(environment.bootstrapServers()));
        series.add(new EndToEndSeries("kafka-floor", "SDK execute -> requests topic -> relay consumer -> result and "
                + "offsets in one transaction -> SDK read_committed reader; nothing executed", floor.client(),
                () -> {
                    floor.requireRelayRunning();
                    return request(Isolation.PROCESS, settings.command());
                },
                r -> r.getStatus() == ExecutionStatus.REJECTED && KafkaFloorRelay.REASON.equals(r.getError()),
                settings.timeout()));
        ExecutionClient client = executionClient(environment);
        for (Backend backend : backends()) {
            series.add(endToEnd(client, backend, settings.command()));
        }
    }

    private void addHeadOfLine(BenchEnvironment environment) {
        ExecutionClient client = executionClient(environment);
        for (Backend backend : backends()) {
            Series shortRequests = endToEnd(client, backend, settings.command());
            series.add(shortRequests);
            series.add(new HeadOfLineSeries(shortRequests, client,
                    () -> request(isolation(backend), settings.longCommand()), settings.longRuns(),
                    settings.timeout()));
        }
    }

    private List<Backend> backends() {
        List<Backend> backends = new ArrayList<>();
        if (settings.process()) {
            backends.add(Backend.PROCESS);
        }
        if (settings.docker()) {
            backends.add(Backend.DOCKER);
        }
        return backends;
    }

    private Series endToEnd(ExecutionClient client, Backend backend, List<String> command) {
        Isolation isolation = isolation(backend);
        return new EndToEndSeries("execq-" + backend.name().toLowerCase(), "SDK ExecutionClient.execute -> "
                + "executor -> " + backend + " sandbox (isolation " + isolation + ") -> result at the SDK", client,
                () -> request(isolation, command),
                r -> r.getStatus() == ExecutionStatus.SUCCEEDED && r.getBackend() == backend, settings.timeout());
    }

    private static Isolation isolation(Backend backend) {
        return backend == Backend.DOCKER ? Isolation.CONTAINER : Isolation.PROCESS;
    }

    private ExecutionClient executionClient(BenchEnvironment environment) {
        return opened(ExecutionClient.builder().bootstrapServers(environment.bootstrapServers()).build());
    }

    private ExecutionRequest request(Isolation isolation, List<String> command) {
        return ExecutionRequests.command(command).image(settings.image()).isolation(isolation)
                .timeout(settings.timeout()).build();
    }

    private SandboxSpec spec() {
        return SandboxSpec.of(UUID.randomUUID().toString(), "execq-bench", settings.image(), settings.command(),
                limits);
    }

    private Path workspaceBase() throws java.io.IOException {
        // Traversable by the run users, as the executor's own (see SandboxStack); each run's workspace is private.
        Path base = Files.createTempDirectory("execq-bench-workspaces",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        resources.add(() -> Files.deleteIfExists(base));
        return base;
    }

    private <T extends AutoCloseable> T opened(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> reversed = new ArrayList<>(resources);
        Collections.reverse(reversed);
        Exception first = null;
        for (AutoCloseable resource : reversed) {
            try {
                resource.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
