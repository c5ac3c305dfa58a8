package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.sdk.SubmitNotAuthorizedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExecqCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = ExecqCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void unknownCommandIsAUsageErrorWithStatus2() {
        assertThat(run("launch-rockets")).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched argument at index 0: 'launch-rockets'");
    }

    @Test
    void noCommandIsAUsageErrorWithStatus2() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing a command");
    }

    @Test
    void badOptionValueIsAUsageErrorWithStatus2() {
        assertThat(run("broker", "--port", "nine")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--port': 'nine' is not an int");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"submit", "results", "replay", "verify", "broker", "demo", "serve"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).isEqualTo(0);
            assertThat(out.toString()).startsWith("Usage: execq " + command);
        }
    }

    @Test
    void kafkaCommandsShareTheKafkaOptions() {
        for (String command : new String[] {"submit", "results", "replay", "verify"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).isEqualTo(0);
            assertThat(out.toString()).contains("--bootstrap-servers=HOST:PORT[,...]").contains("--kafka-config=FILE")
                    .contains("--requests-topic=TOPIC").contains("--results-topic=TOPIC")
                    .contains("--dead-letter-topic=TOPIC").contains("default: 127.0.0.1:9092");
        }
    }

    @Test
    void submitWithABadDurationIsAUsageErrorWithStatus2() {
        assertThat(run("submit", "--wait", "--json", "--timeout", "banana", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--timeout': "
                + "'banana' is not a duration (examples: 500ms, 30s, 5m, 1h)");
    }

    @Test
    void verifyWithANegativeMaxListedIsAUsageErrorWithStatus2() {
        assertThat(run("verify", "--max-listed", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-listed must not be negative, got -1");
    }

    @Test
    void submitWithoutACommandIsAUsageErrorWithStatus2() {
        assertThat(run("submit", "--wait", "--json")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter: 'CMD'");
    }

    @Test
    void submitWithAnUnknownIsolationIsAUsageErrorWithStatus2() {
        assertThat(run("submit", "--isolation", "vm", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--isolation': "
                + "'vm' is not one of container, prefer-container, process");
    }

    @Test
    void submitJsonWithoutWaitIsAUsageErrorWithStatus2() {
        assertThat(run("submit", "--json", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--json needs --wait");
    }

    @Test
    void submitWithARequestTheBuilderRefusesIsAUsageErrorWithStatus2(@TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("main.py"), "print(1)");
        assertThat(run("submit", "--file", "/etc/passwd=" + source, "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid request: file path must be relative to the workspace, "
                + "got /etc/passwd");
    }

    @Test
    void submitWithAMissingFileIsAUsageErrorWithStatus2(@TempDir Path dir) {
        assertThat(run("submit", "--stdin-file", dir.resolve("absent").toString(), "--", "cat")).isEqualTo(2);
        assertThat(err.toString()).contains("Cannot read --stdin-file " + dir.resolve("absent"));
    }

    @Test
    void aKafkaAuthorizationFailureIsOneLineNamingItAndStatus1() throws Exception {
        CommandLine submit = commandLineWithErr().getSubcommands().get("submit");

        int status = ExecqCommand.executionError(new SubmitNotAuthorizedException("r1", "execq.requests",
                new TopicAuthorizationException(Set.of("execq.requests"))), submit, null);

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("execq submit: request r1 was refused: not authorized to write to topic "
                + "execq.requests (grant this client's principal WRITE on topic execq.requests): "
                + "org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: "
                + "[execq.requests]\nKafka refused this client: check the principal in --kafka-config and its ACLs "
                + "(docs/security-kafka.md).\n");
    }

    @Test
    void aFailedLoginDeepInTheCauseChainIsReportedTheSameWay() throws Exception {
        CommandLine serve = commandLineWithErr().getSubcommands().get("serve");

        int status = ExecqCommand.executionError(new IllegalStateException("Kafka at x refused this executor's "
                + "credentials", new SaslAuthenticationException("invalid credentials")), serve, null);

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).startsWith("execq serve: Kafka at x refused this executor's credentials\n");
    }

    @Test
    void otherFailuresKeepPicocliDefaultHandling() {
        CommandLine results = commandLineWithErr().getSubcommands().get("results");
        IllegalStateException bug = new IllegalStateException("bug");

        assertThatThrownBy(() -> ExecqCommand.executionError(bug, results, null)).isSameAs(bug);
        assertThat(err.toString()).isEmpty();
    }

    private CommandLine commandLineWithErr() {
        CommandLine cli = ExecqCommand.commandLine();
        cli.getSubcommands().values().forEach(sub -> sub.setErr(new PrintWriter(err, true)));
        return cli;
    }

    @Test
    void replayWithAnUntilBeforeItsSinceIsAUsageErrorWithStatus2() {
        assertThat(run("replay", "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z")).isEqualTo(2);
        assertThat(err.toString()).contains("until (2026-01-01T00:00:00Z) must be after since (2026-01-02T00:00:00Z)");
    }
}
