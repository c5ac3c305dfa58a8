package io.execq.cli;

import io.execq.executor.kafka.TopicSettings;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.Network;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequestBuilder;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionTimeoutException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code execq submit}: builds one request with the SDK's builder and publishes it; with {@code --wait}, waits for
 * its result and exits 0 for SUCCEEDED, 1 for any other result, 2 when none arrived in time.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Submit one execution request. Prints the request id, or with --wait the result.",
                "Exit status with --wait: 0 SUCCEEDED, 1 any other result, 2 no result in time or a usage error."},
        footer = {"", "Example: execq submit --wait --image python -- python3 -c 'print(6*7)'"})
final class SubmitCommand implements Callable<Integer> {

    static final int EXIT_SUCCEEDED = 0;
    static final int EXIT_NOT_SUCCEEDED = 1;
    static final int EXIT_NO_RESULT = 2;
    /** Added to the run's timeout for the default --wait-timeout: room for publishing, queueing and the result. */
    static final Duration WAIT_MARGIN = Duration.ofSeconds(60);
    /** The executors' default run timeout, assumed for the default --wait-timeout when --timeout is not given. */
    static final Duration ASSUMED_RUN_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image or alias (default: the executor's).")
    String image;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = ValueConverters.DurationConverter.class,
            description = "Run time limit, e.g. 30s, 500ms, 5m.")
    Duration timeout;

    @Option(names = "--memory", paramLabel = "SIZE", converter = ValueConverters.SizeConverter.class,
            description = "Memory limit, e.g. 64m.")
    Long memory;

    @Option(names = "--cpus", paramLabel = "N", converter = ValueConverters.MilliCpusConverter.class,
            description = "CPU quota: 0.5, 2 or 500m.")
    Integer milliCpus;

    @Option(names = "--pids", paramLabel = "N", description = "Process/thread limit.")
    Integer pids;

    @Option(names = "--max-output", paramLabel = "SIZE", converter = ValueConverters.SizeConverter.class,
            description = "Bytes kept per output stream, e.g. 64k.")
    Long maxOutput;

    @Option(names = "--isolation", paramLabel = "MODE", converter = ValueConverters.IsolationConverter.class,
            description = "container | prefer-container | process (default: prefer-container).")
    Isolation isolation;

    @Option(names = "--network", paramLabel = "NET", converter = ValueConverters.NetworkConverter.class,
            description = "none | bridge (default: none). bridge needs an executor started with --allow-network "
                    + "bridge and a container.")
    Network network;

    @Option(names = "--env", paramLabel = "K=V", description = "Environment variable of the run (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--file", paramLabel = "DEST=SRC",
            description = "Copy local file SRC to DEST in the run's workspace (repeatable).")
    Map<String, Path> files = new LinkedHashMap<>();

    @Option(names = "--archive", paramLabel = "FILE",
            description = "Unpack tar or tar.gz FILE into the run's workspace before the --file files (which replace "
                    + "archive files of the same path). Regular files and directories only.")
    Path archive;

    @Option(names = "--collect", paramLabel = "GLOB",
            description = "Return the workspace's regular files matching GLOB (workspace-relative, java.nio glob) "
                    + "as artifacts in the result (repeatable).")
    List<String> collect = new ArrayList<>();

    @Option(names = "--stdin-file", paramLabel = "FILE", description = "Feed FILE to the command's stdin.")
    Path stdinFile;

    @Option(names = "--label", paramLabel = "K=V", description = "Label echoed in the result (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--deadline", paramLabel = "DURATION", converter = ValueConverters.DurationConverter.class,
            description = "Not started within DURATION from now: EXPIRED, never run.")
    Duration deadline;

    @Option(names = "--wait", description = "Wait for the result and print it.")
    boolean await;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = ValueConverters.DurationConverter.class,
            description = "How long --wait waits (default: --timeout, or 30s, plus 60s).")
    Duration waitTimeout;

    @Option(names = "--json", description = "With --wait: print the result as one JSON object.")
    boolean json;

    @Option(names = "--follow", description = "With --wait: stream the run's output while it runs (stdout to stdout, "
            + "stderr to stderr), then print the result without the output already printed.")
    boolean follow;

    @Option(names = "--output-topic", paramLabel = "TOPIC", defaultValue = TopicSettings.DEFAULT_OUTPUT_TOPIC,
            description = "Topic of streamed output, for --follow (default: ${DEFAULT-VALUE}).")
    String outputTopic;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (json && !await) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--json needs --wait");
        }
        if (follow && !await) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--follow needs --wait");
        }
        ExecutionRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        try (ExecutionClient client = ExecutionClient.builder()
                .kafkaProperties(kafka.asProperties())
                .requestsTopic(kafka.requestsTopic)
                .resultsTopic(kafka.resultsTopic)
                .outputTopic(outputTopic)
                .build()) {
            if (!await) {
                out.println(join(client.submit(request)));
                out.flush();
                return EXIT_SUCCEEDED;
            }
            Duration wait = waitTimeout != null ? waitTimeout
                    : (timeout != null ? timeout : ASSUMED_RUN_TIMEOUT).plus(WAIT_MARGIN);
            ExecutionResult result;
            FollowPrinter printer = follow ? new FollowPrinter(out, spec.commandLine().getErr()) : null;
            try (WaitIndicator ignored = follow ? null : WaitIndicator.start(spec.commandLine().getErr(),
                    "waiting for the result of " + request.getRequestId())) {
                result = join(follow ? client.execute(request, wait, printer) : client.execute(request, wait));
            } catch (ExecutionTimeoutException e) {
                spec.commandLine().getErr().println("execq submit: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return EXIT_NO_RESULT;
            }
            if (json) {
                out.println(ExecutionResultJson.write(result));
                out.flush();
            } else if (follow) {
                printer.flushPartial();
                ResultSummary.printWithoutOutput(out, result,
                        printer.incomplete(result.getStdout().getTotalBytes()));
            } else {
                ResultSummary.print(out, result);
            }
            return result.getStatus() == ExecutionStatus.SUCCEEDED ? EXIT_SUCCEEDED : EXIT_NOT_SUCCEEDED;
        }
    }

    /** The request the options describe; a rule the SDK's builder enforces becomes a usage error. */
    ExecutionRequest request() {
        ExecutionRequestBuilder builder = ExecutionRequests.command(command);
        try {
            if (image != null) {
                builder.image(image);
            }
            if (timeout != null) {
                builder.timeout(timeout);
            }
            if (memory != null) {
                builder.memoryBytes(memory);
            }
            if (milliCpus != null) {
                builder.milliCpus(milliCpus);
            }
            if (pids != null) {
                builder.pids(pids);
            }
            if (maxOutput != null) {
                builder.maxOutputBytes(maxOutput);
            }
            if (isolation != null) {
                builder.isolation(isolation);
            }
            if (network != null) {
                builder.network(network);
            }
            builder.env(env);
            builder.labels(labels);
            for (Map.Entry<String, Path> file : files.entrySet()) {
                builder.file(file.getKey(), read(file.getValue(), "--file " + file.getKey()));
            }
            if (archive != null) {
                builder.archive(read(archive, "--archive"));
            }
            builder.collect(collect.toArray(String[]::new));
            if (stdinFile != null) {
                builder.stdin(read(stdinFile, "--stdin-file"));
            }
            if (deadline != null) {
                builder.deadline(Instant.now().plus(deadline));
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid request: " + e.getMessage());
        }
    }

    private byte[] read(Path path, String option) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Cannot read " + option + " " + path + ": " + e);
        }
    }

    /** Unwraps the future's cause so that callers catch the SDK's exceptions by type. */
    private static <T> T join(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
