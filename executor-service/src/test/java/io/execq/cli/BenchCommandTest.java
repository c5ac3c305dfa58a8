package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void helpListsEveryOption() {
        CliRun run = CliRun.of("bench", "--help");

        assertThat(run.status()).isZero();
        for (String option : new String[] {"--scenario", "--backend", "--requests", "--concurrency", "--warmup",
                "--rounds", "--command", "--image", "--long-command", "--long-runs", "--timeout",
                "--bootstrap-servers", "--executor-option", "--docker-host", "--report", "--json", "--verbose"}) {
            assertThat(run.out()).contains(option);
        }
    }

    @Test
    void execqHelpListsBench() {
        assertThat(CliRun.of("--help").out()).contains("bench");
    }

    @Test
    void anInvalidConcurrencyIsAUsageErrorNamingTheRange() {
        CliRun run = CliRun.of("bench", "--concurrency", "1,0");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("concurrency levels must be in [1, 1024], got [1, 0]");
    }

    @Test
    void anUnknownBackendIsAUsageError() {
        CliRun run = CliRun.of("bench", "--backend", "vm");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("--backend");
    }

    @Test
    void commandTakesAnArgvWithDashedArgumentsAndReplacesTheDefault() {
        var parsed = ExecqCommand.commandLine().parseArgs("bench", "--command", "sh", "-c", "echo hi", "--requests",
                "7", "--long-command", "sleep", "1", "--executor-option", "request-partitions=32");
        BenchCommand bench = (BenchCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(bench.command).containsExactly("sh", "-c", "echo hi");
        assertThat(bench.longCommand).containsExactly("sleep", "1");
        assertThat(bench.requests).isEqualTo(7);
        assertThat(bench.executorOptions).containsEntry("request-partitions", "32");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        var parsed = ExecqCommand.commandLine().parseArgs("bench");
        BenchCommand bench = (BenchCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(bench.command).containsExactly("echo", "bench");
        assertThat(bench.concurrency).containsExactly(1, 4, 16);
        assertThat(bench.backend).isEqualTo(BenchCommand.BackendChoice.BOTH);
        assertThat(bench.scenario).isEqualTo(io.execq.bench.Scenario.THROUGHPUT);
    }
}
