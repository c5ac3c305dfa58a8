package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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
        for (String command : new String[] {"broker", "demo"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).isEqualTo(0);
            assertThat(out.toString()).startsWith("Usage: execq " + command);
        }
    }
}
