package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.ExecutorInstance;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code execq submit} and {@code execq results} against a real broker and a real in-process executor. */
class SubmitAndResultsCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static String bootstrap;
    private static ExecqTopics topics;
    private static ExecutorInstance executor;

    @BeforeAll
    static void startExecutor() {
        bootstrap = TestKafka.shared().bootstrapServers();
        topics = ExecqTopics.create(bootstrap, 2);
        executor = ExecutorInstance.start(topics.executorConfig(Map.of()));
    }

    @AfterAll
    static void stopExecutor() {
        executor.close();
    }

    private static CliRun execq(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(topics.cliOptions());
        all.addAll(List.of(args));
        return CliRun.of(all);
    }

    @Test
    void submitWaitJsonPrintsOneResultObjectAndExits0ForSuccess() throws Exception {
        CliRun run = execq("submit", "--wait", "--json", "--isolation", "process", "--label", "team=cli",
                "--", "echo", "hello cli");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.lines()).hasSize(1);
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("backend").asText()).isEqualTo("PROCESS");
        assertThat(result.get("stdout").get("data").asText()).isEqualTo("hello cli\n");
        assertThat(result.get("stdout").get("truncated").asBoolean()).isFalse();
        assertThat(result.get("attempt").asInt()).isEqualTo(1);
        assertThat(result.get("replayOf").isNull()).isTrue();
        assertThat(result.get("labels").get("team").asText()).isEqualTo("cli");
    }

    @Test
    void submitWaitJsonExits1ForANonZeroExit() throws Exception {
        CliRun run = execq("submit", "--wait", "--json", "--isolation", "process", "--", "sh", "-c",
                "echo broken >&2; exit 3");

        assertThat(run.status()).as(run.err()).isEqualTo(1);
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("status").asText()).isEqualTo("FAILED");
        assertThat(result.get("exitCode").asInt()).isEqualTo(3);
        assertThat(result.get("stderr").get("data").asText()).isEqualTo("broken\n");
    }

    @Test
    void submitWaitExits2WhenNoResultArrivesInTime() {
        ExecqTopics unserved = ExecqTopics.create(bootstrap, 1);
        CliRun run = CliRun.of("submit", "--bootstrap-servers", bootstrap, "--requests-topic", unserved.requests(),
                "--results-topic", unserved.results(), "--wait", "--json", "--wait-timeout", "2s", "--", "true");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("execq submit: no result for request ").contains(" within PT2S");
    }

    @Test
    void submitWithoutWaitPrintsTheRequestId() {
        CliRun run = execq("submit", "--isolation", "process", "--", "true");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out().strip()).matches("[0-9a-f-]{36}");
    }

    @Test
    void submitWaitPrintsAReadableSummary() {
        CliRun run = execq("submit", "--wait", "--isolation", "process", "--env", "WHO=summary", "--", "sh", "-c",
                "echo hi $WHO");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("status     SUCCEEDED\n").contains("exit code  0\n")
                .contains("backend    PROCESS").contains("stdout     11 bytes\nhi summary\n")
                .contains("stderr     0 bytes\n");
    }

    @Test
    void submitWaitFollowPrintsStdoutAndStderrAsTheyComeThenTheSummaryWithoutReprintingThem() {
        CliRun run = execq("submit", "--wait", "--follow", "--isolation", "process", "--", "sh", "-c",
                "echo out1; echo err1 >&2; sleep 0.3; echo out2");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("out1\nout2\nrequest    ")
                .contains("status     SUCCEEDED\n")
                .contains("stdout     10 bytes\nstderr     5 bytes\n")
                .doesNotContain("streamed   incomplete");
        assertThat(run.out().split("out1", -1)).as("stdout printed once").hasSize(2);
        assertThat(run.err()).isEqualTo("err1\n");
    }

    @Test
    void followNeedsWait() {
        CliRun run = execq("submit", "--follow", "--", "true");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("--follow needs --wait");
    }

    @Test
    void resultsJsonPrintsEveryCommittedResultOnePerLine() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String word : List.of("one", "two", "three")) {
            CliRun run = execq("submit", "--wait", "--json", "--isolation", "process", "--", "echo", word);
            assertThat(run.status()).as(run.err()).isZero();
            ids.add(JSON.readTree(run.out()).get("requestId").asText());
        }

        CliRun results = execq("results", "--json");

        assertThat(results.status()).as(results.err()).isZero();
        List<String> printed = new ArrayList<>();
        for (String line : results.lines()) {
            printed.add(JSON.readTree(line).get("requestId").asText());
        }
        assertThat(printed).containsAll(ids).doesNotHaveDuplicates();

        CliRun failedOnly = execq("results", "--json", "--status", "FAILED,TIMED_OUT");
        for (String line : failedOnly.lines()) {
            assertThat(JSON.readTree(line).get("status").asText()).isIn("FAILED", "TIMED_OUT");
        }
        assertThat(failedOnly.out()).doesNotContain(ids.get(0));
    }
}
