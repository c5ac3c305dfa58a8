package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three executor processes share a group; one is killed with SIGKILL while it has runs in flight and is started
 * again under the same executor id (its transactional id fences anything its first life left open). 2,000 requests
 * of mixed length on the process backend (real hardened processes; Docker adds nothing to what is tested here and
 * costs ten times the time): every one has exactly one committed result, checked by {@code execq verify}'s library.
 * The killed member's uncommitted work is redone by the others; what it committed (offset maps included) is not.
 */
class ExecutorFailoverIT {

    private static final int FIRST_WAVE = 1_500;
    private static final int SECOND_WAVE = 500;

    @RegisterExtension
    final ExecutorProcesses executors = new ExecutorProcesses();

    @Test
    void killingOneOfThreeExecutorsMidBatchAndRestartingItLosesAndDuplicatesNothing() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 12);
        String group = "failover-" + UUID.randomUUID();
        int victimPort = ExecutorProcesses.freePort();
        Process victim = start(topics, group, "victim", victimPort);
        List<Integer> ports = List.of(victimPort, ExecutorProcesses.freePort(), ExecutorProcesses.freePort());
        start(topics, group, "survivor-1", ports.get(1));
        start(topics, group, "survivor-2", ports.get(2));
        for (int port : ports) {
            await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> ExecutorProcesses.ready(port));
        }
        Random random = new Random(2_000);
        Map<String, String> stdoutById = new HashMap<>();

        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            send(requests, FIRST_WAVE, random, stdoutById);
            // Mid-batch: the victim has committed some results and has runs going.
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                    MetricsScrape.sum(victimPort, "execq_results_total") >= 50
                            && MetricsScrape.sum(victimPort, "execq_runs_in_flight") >= 1);
            victim.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no clean-up
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();

            start(topics, group, "victim", victimPort);
            await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> ExecutorProcesses.ready(victimPort));
            // Sent once the restarted victim owns partitions again, so its second life has work of its own.
            send(requests, SECOND_WAVE, random, stdoutById);
        }

        VerifyReport report = ExactlyOnce.verify(topics, Duration.ofMinutes(6));
        Set<String> ids = stdoutById.keySet();

        assertThat(report.requestRecords()).isEqualTo(FIRST_WAVE + SECOND_WAVE);
        List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), ids, Duration.ofSeconds(30));
        assertThat(report.resultsByStatus())
                .as(() -> "results that did not succeed: " + notSucceeded(results, executors))
                .containsExactlyEntriesOf(Map.of("SUCCEEDED", (long) ids.size()));
        assertThat(results).extracting(ExecutionResult::getExecutorId)
                .contains("victim", "survivor-1", "survivor-2");
        // Every output whole, whoever ran it (also the lost-output regression of docs/sandboxes.md, 1,900 more runs).
        assertThat(results).allSatisfy(r -> assertThat(Results.text(r.getStdout())).as(r.getRequestId())
                .isEqualTo(stdoutById.get(r.getRequestId())));
        assertThat(MetricsScrape.sum(victimPort, "execq_results_total")).as("results of the victim's second life")
                .isPositive();
        ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
    }

    /**
     * What a reader needs to tell why a run did not succeed: who ran it, how it ended, what it printed, and what its
     * executor logged about it.
     */
    private static List<String> notSucceeded(List<ExecutionResult> results, ExecutorProcesses executors) {
        return results.stream().filter(r -> r.getStatus() != ExecutionStatus.SUCCEEDED)
                .map(r -> r.getRequestId() + " on " + r.getExecutorId() + ": " + r.getStatus() + " exit "
                        + r.getExitCode() + " signal " + r.getSignal() + " runMs " + r.getRunMs() + " error "
                        + r.getError() + " stderr '" + Results.text(r.getStderr()) + "'\n"
                        + logLines(executors.output(r.getExecutorId()), r.getRequestId()))
                .toList();
    }

    private static String logLines(Path log, String requestId) {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(line -> line.contains(requestId)).collect(Collectors.joining("\n"));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private Process start(ExecqTopics topics, String group, String id, int port) throws IOException {
        return executors.start(topics, group, id, List.of("--http-port", Integer.toString(port),
                "--concurrency", "8"));
    }

    /** Mostly short runs; one in twenty sleeps 0.5 to 3 s, so a kill always finds long runs in flight. */
    private static void send(Requests requests, int count, Random random, Map<String, String> stdoutById) {
        for (int i = 0; i < count; i++) {
            boolean sleeps = i % 20 == 0;
            ExecutionRequest request = sleeps
                    ? Requests.command(Isolation.PROCESS, "sleep", String.format(Locale.ROOT, "%.1f",
                            0.5 + random.nextInt(26) / 10.0)).build()
                    : Requests.command(Isolation.PROCESS, "echo", "run " + i).build();
            requests.send(request);
            stdoutById.put(request.getRequestId(), sleeps ? "" : "run " + i + "\n");
        }
    }
}
