package io.execq.cli;

import io.execq.executor.kafka.TopicSettings;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.CancelOutcome;
import io.execq.sdk.ExecutionClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code execq cancel REQUEST_ID}: publishes a cancellation and says what became of the request. Every answer is
 * exit 0 (a cancellation of an unknown or finished request is a no-op, not an error); exit 1 only when the broker
 * refused the cancellation.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Cancel a request: a queued one never starts, a running one is killed; either way its one "
                + "result is CANCELLED.",
                "Prints what the results topic shows within --wait: cancelled, already finished, or no result yet.",
                "Exit status: 0 for every answer, 1 when the cancellation could not be published."},
        footer = {"", "Example: execq cancel 0f6c3c1e-5d0b-4a39-9a53-3d1f1c9e8b1a"})
final class CancelCommand implements Callable<Integer> {

    static final int EXIT_ANSWERED = 0;
    static final int EXIT_NOT_PUBLISHED = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--control-topic", paramLabel = "TOPIC", defaultValue = TopicSettings.DEFAULT_CONTROL_TOPIC,
            description = "Control topic (default: ${DEFAULT-VALUE}).")
    String controlTopic;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "10s",
            converter = ValueConverters.DurationConverter.class,
            description = "How long to look for the request's result after cancelling (0s: do not look; "
                    + "default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Parameters(index = "0", paramLabel = "REQUEST_ID", description = "The request to cancel.")
    String requestId;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ExecutionClient client = ExecutionClient.builder()
                .kafkaProperties(kafka.asProperties())
                .requestsTopic(kafka.requestsTopic)
                .resultsTopic(kafka.resultsTopic)
                .controlTopic(controlTopic)
                .build()) {
            CancelOutcome outcome;
            try {
                outcome = client.cancel(requestId, wait).join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                spec.commandLine().getErr().println("execq cancel: " + cause.getMessage());
                spec.commandLine().getErr().flush();
                return EXIT_NOT_PUBLISHED;
            }
            out.println(describe(outcome, wait));
            out.flush();
            return EXIT_ANSWERED;
        }
    }

    static String describe(CancelOutcome outcome, Duration wait) {
        String id = outcome.requestId();
        switch (outcome.status()) {
            case CANCELLED: {
                ExecutionResult result = outcome.result().orElseThrow();
                return "request " + id + ": CANCELLED at " + result.getCancelledAt()
                        + (result.getStartedAt() == null ? " before it started" : " while running (killed)");
            }
            case ALREADY_FINISHED:
                return "request " + id + ": already finished with " + outcome.result().orElseThrow().getStatus()
                        + "; the cancellation changed nothing";
            case NO_RESULT:
            default:
                return "request " + id + ": cancellation published; no result " + (wait.isZero() ? "looked for"
                        : "within " + wait) + " (unknown id, or still queued or running: executors apply the "
                        + "cancellation for their --cancel-window)";
        }
    }
}
