package io.execq.cli;

import io.execq.bench.Bench;
import io.execq.bench.BenchPlan;
import io.execq.bench.BenchReport;
import io.execq.bench.BenchSettings;
import io.execq.bench.Scenario;
import io.execq.schema.Backend;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code execq bench}: measures execq against raw baselines in one interleaved run and writes a report. The work
 * is in {@link Bench}; this class only turns flags into a {@link BenchPlan} and {@link BenchSettings}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure execq against raw baselines in one run: plain spawn, the process sandbox's hardened "
                + "spawn, the Docker cycle (docker-java, docker run --rm, the Docker sandbox), the Kafka floor, and "
                + "execq end to end. Series take turns in rotating order so drift hits all alike.",
                "Writes report.md, bench.json and PNG charts to --report; prints the tables (or the JSON). "
                        + "Exit status 0 when every sample completed as expected, 1 otherwise."})
final class BenchCommand implements Callable<Integer> {

    enum BackendChoice { PROCESS, DOCKER, BOTH }

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", defaultValue = "throughput", paramLabel = "throughput|latency|hol",
            description = "throughput: every series at each concurrency level (default); latency: one at a time; "
                    + "hol: execq only, short requests alone and behind --long-runs long runs.")
    Scenario scenario;

    @Option(names = "--backend", defaultValue = "both", paramLabel = "process|docker|both",
            description = "Which backends' series run (default: ${DEFAULT-VALUE}); Docker series need Docker.")
    BackendChoice backend;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "" + BenchPlan.DEFAULT_REQUESTS,
            description = "Samples per series at each concurrency level (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", paramLabel = "N[,N...]", split = ",", defaultValue = "1,4,16",
            description = "Concurrency levels, closed loop (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + BenchPlan.DEFAULT_WARMUP,
            description = "Unrecorded samples per series first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "" + BenchPlan.DEFAULT_ROUNDS,
            description = "Batches per series and level, interleaved in rotating order (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--command", arity = "1..*", paramLabel = "ARG",
            description = "The measured command as argv, no shell (default: echo bench).")
    List<String> command = BenchSettings.DEFAULT_COMMAND;

    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = BenchSettings.DEFAULT_IMAGE,
            description = "Image of the Docker series and the requests (default: ${DEFAULT-VALUE}).")
    String image;

    @Option(names = "--long-command", arity = "1..*", paramLabel = "ARG",
            description = "hol: the long run's argv (default: sleep 5).")
    List<String> longCommand = BenchSettings.DEFAULT_LONG_COMMAND;

    @Option(names = "--long-runs", paramLabel = "K", defaultValue = "" + BenchSettings.DEFAULT_LONG_RUNS,
            description = "hol: long runs submitted before each batch of short ones (default: ${DEFAULT-VALUE}).")
    int longRuns;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = ValueConverters.DurationConverter.class,
            description = "Longest one sample may take before it counts as failed (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Measure the deployment at these brokers (its executors, default topics) instead of an "
                    + "embedded broker with an in-process executor.")
    String bootstrapServers;

    @Option(names = "--executor-option", paramLabel = "KEY=VALUE",
            description = "Option of the in-process executor, as for execq serve without -- (repeatable), e.g. "
                    + "request-partitions=32.")
    Map<String, String> executorOptions = new LinkedHashMap<>();

    @Option(names = "--docker-host", defaultValue = "${env:DOCKER_HOST:-unix:///var/run/docker.sock}", paramLabel = "URI",
            description = "Docker daemon (default: DOCKER_HOST, else unix:///var/run/docker.sock).")
    String dockerHost;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Report directory (default: bench-report/<UTC timestamp>).")
    Path report;

    @Option(names = "--json", description = "Print bench.json to stdout instead of the tables.")
    boolean json;

    @Mixin
    ExecutorLogOption log;

    @Override
    public Integer call() throws Exception {
        log.apply();
        BenchPlan plan;
        BenchSettings settings;
        try {
            plan = new BenchPlan(scenario, requests, concurrency, warmup, rounds);
            settings = new BenchSettings(backends(), command, image, longCommand, longRuns, dockerHost,
                    Optional.ofNullable(bootstrapServers), executorOptions, timeout);
        } catch (IllegalArgumentException e) {
            // Relations between values are checked by the records; report them like picocli's own usage errors.
            return ExecqCommand.usageError(new CommandLine.ParameterException(spec.commandLine(), e.getMessage()),
                    new String[0]);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchReport result;
        try {
            result = Bench.run(settings, plan, String.join(" ", spec.commandLine().getParseResult().originalArgs()
                    .subList(1, spec.commandLine().getParseResult().originalArgs().size())), err);
        } catch (IllegalStateException e) {
            err.println("execq bench: " + e.getMessage());
            err.flush();
            return 1;
        }
        Path dir = report != null ? report : Path.of("bench-report",
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(result.startedAt()));
        Bench.write(result, dir);
        out.print(json ? Bench.json(result) + "\n" : Bench.markdown(result));
        out.flush();
        err.println("Report written to " + dir.toAbsolutePath());
        if (result.errors() > 0) {
            err.println("execq bench: " + result.errors() + " sample(s) failed; see the report.");
        }
        err.flush();
        return result.errors() == 0 ? 0 : 1;
    }

    private Set<Backend> backends() {
        return switch (backend) {
            case PROCESS -> EnumSet.of(Backend.PROCESS);
            case DOCKER -> EnumSet.of(Backend.DOCKER);
            case BOTH -> EnumSet.of(Backend.PROCESS, Backend.DOCKER);
        };
    }
}
