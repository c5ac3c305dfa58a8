package io.execq.cli;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.ExecutionClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code execq demo}: the zero-setup tour. Stages: check Docker and the sample images (building them when missing),
 * start an embedded broker on a free port with a temporary data directory, start one in-process executor, run the
 * sample set ({@link DemoSamples}) through the SDK, print a results table, shut everything down. Exits 0 only when
 * every sample ended as expected.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start an embedded Kafka broker and one executor, run sample requests (success, non-zero exit,"
                + " timeout, out of memory, output flood, Python, Node.js, C++ and Java compile-and-run) and print"
                + " their results.",
                "Builds the sample images when Docker is up and they are missing; without Docker the samples run in "
                        + "the hardened process fallback, except the Node.js, C++ and Java ones (skipped: they need "
                        + "their images). Exit status 0 when every sample that ran ended as expected."})
final class DemoCommand implements Callable<Integer> {

    static final Duration RESULT_TIMEOUT = Duration.ofSeconds(120);

    @Spec
    CommandSpec spec;

    @Option(names = "--docker-host", defaultValue = "${env:DOCKER_HOST:-unix:///var/run/docker.sock}",
            description = "Docker daemon to use (default: DOCKER_HOST, else unix:///var/run/docker.sock); when it does not answer, the samples run "
                    + "in the process fallback.")
    String dockerHost;

    @Mixin
    ExecutorLogOption log;

    @Override
    public Integer call() throws Exception {
        log.apply(); // the table is the demo's output
        PrintWriter out = spec.commandLine().getOut();
        boolean docker = DemoEnvironment.dockerAvailable(dockerHost);
        if (docker && !ensureImages(out)) {
            return 1;
        }
        if (!docker) {
            out.println("""
                    ************************************************************************************
                    *  NO DOCKER ENGINE: the samples run in the hardened host-process fallback          *
                    *  (backend PROCESS: setsid + prlimit + setpriv), not in containers.                *
                    ************************************************************************************""");
        }
        Path dataDir = Files.createTempDirectory("execq-demo-kafka");
        try {
            return runSamples(out, dataDir, docker);
        } finally {
            deleteRecursively(dataDir);
        }
    }

    private boolean ensureImages(PrintWriter out) throws IOException {
        List<String> missing = DemoEnvironment.missingImages(dockerHost);
        if (missing.isEmpty()) {
            return true;
        }
        out.println("Docker is up; missing sample images: " + String.join(", ", missing));
        Path log = Files.createTempFile("execq-demo-images", ".log");
        if (DemoEnvironment.buildImages(out, log) && DemoEnvironment.missingImages(dockerHost).isEmpty()) {
            return true;
        }
        out.println("execq demo: building the sample images failed; see " + log);
        return false;
    }

    private int runSamples(PrintWriter out, Path dataDir, boolean docker) throws Exception {
        out.printf("Starting an embedded Kafka broker (data: %s, log: %s)...%n", dataDir, LogLocation.kafkaLog());
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60));
                ExecutorInstance executor = ExecutorInstance.start(ExecutorConfig.of(Map.of(
                        "bootstrap-servers", kafka.bootstrapServers(), "embedded-kafka", "never",
                        "http-port", "0", "group-id", "execq-demo", "executor-id", "demo-executor",
                        "request-partitions", "4", "concurrency", "4", "docker-host", dockerHost)));
                ExecutionClient client = ExecutionClient.builder().bootstrapServers(kafka.bootstrapServers())
                        .build()) {
            List<DemoSamples.Sample> samples = DemoSamples.all(docker);
            out.printf("Broker on %s; executor %s running (Docker %s). Submitting %d samples...%n",
                    kafka.bootstrapServers(), executor.executorId(), docker ? "up" : "DOWN",
                    samples.stream().filter(s -> s.runs(docker)).count());
            out.flush();
            List<CompletableFuture<ExecutionResult>> pending = new ArrayList<>();
            for (DemoSamples.Sample sample : samples) {
                pending.add(sample.runs(docker) ? client.execute(sample.request(), RESULT_TIMEOUT) : null);
            }
            return printTable(out, samples, pending);
        } finally {
            out.println("Executor and broker stopped.");
            out.flush();
        }
    }

    /** {@code pending} holds null for a sample that was not submitted (it needs Docker, which is down). */
    private static int printTable(PrintWriter out, List<DemoSamples.Sample> samples,
            List<CompletableFuture<ExecutionResult>> pending) {
        String format = "%-14s  %-8s  %-10s  %4s  %-7s  %6s  %-4s  %s%n";
        out.printf(format, "SAMPLE", "REQUEST", "STATUS", "EXIT", "BACKEND", "RUN MS", "OK", "OUTPUT");
        int unexpected = 0;
        int skipped = 0;
        for (int i = 0; i < samples.size(); i++) {
            DemoSamples.Sample sample = samples.get(i);
            String id = sample.request().getRequestId().substring(0, 8);
            if (pending.get(i) == null) {
                skipped++;
                out.printf(format, sample.name(), id, "SKIPPED", "-", "-", "-", "-", "needs Docker: the process "
                        + "fallback would run this host's own tools, not image '" + sample.request().getImage() + "'");
                continue;
            }
            ExecutionResult result;
            try {
                result = pending.get(i).join();
            } catch (CompletionException e) {
                unexpected++;
                out.printf(format, sample.name(), id, "-", "-", "-", "-", "NO", "no result: "
                        + e.getCause().getMessage());
                continue;
            }
            String mismatch = sample.mismatch(result);
            if (mismatch != null) {
                unexpected++;
            }
            out.printf(format, sample.name(), id, result.getStatus(),
                    result.getExitCode() == null ? "-" : result.getExitCode(), result.getBackend(),
                    result.getRunMs(), mismatch == null ? "yes" : "NO",
                    ResultTable.output(result) + (mismatch == null ? "" : "  <-- " + mismatch));
        }
        String skippedNote = skipped == 0 ? "" : " (" + skipped + " skipped: they need Docker)";
        out.println(unexpected == 0 ? "Every sample ended as expected." + skippedNote
                : unexpected + " of " + (samples.size() - skipped) + " samples did NOT end as expected."
                        + skippedNote);
        out.flush();
        return unexpected == 0 ? 0 : 1;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
