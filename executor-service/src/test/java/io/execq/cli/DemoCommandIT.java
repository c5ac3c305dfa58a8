package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code execq demo} end to end, in-process: its own broker, its own executor, the real sandboxes. */
class DemoCommandIT {

    @Test
    void demoRunsEverySampleAsExpectedAndExits0() {
        CliRun run = CliRun.of("demo");

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Every sample ended as expected.").contains("Executor and broker stopped.");
        for (String sample : new String[] {"success", "non-zero exit", "timeout", "out of memory", "output flood",
                "python"}) {
            assertThat(run.lines()).anyMatch(line -> line.startsWith(sample + " ") && line.contains("  yes  "));
        }
        if (DemoEnvironment.dockerAvailable("unix:///var/run/docker.sock")) {
            assertThat(run.out()).contains("output flood").contains("[stdout truncated]")
                    .containsPattern("out of memory +[0-9a-f]{8}  OOM_KILLED +137  DOCKER");
        } else {
            assertThat(run.out()).contains("NO DOCKER ENGINE").doesNotContain("DOCKER  ");
        }
    }

    @Test
    void withoutDockerTheDemoSaysSoLoudlyAndRunsEverySampleInTheProcessFallback() {
        CliRun run = CliRun.of("demo", "--docker-host", "unix:///tmp/execq-no-such-docker.sock");

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("NO DOCKER ENGINE").contains("(Docker DOWN)")
                .contains("Every sample ended as expected.");
        for (String sample : new String[] {"success", "non-zero exit", "timeout", "out of memory", "output flood",
                "python"}) {
            assertThat(run.lines()).anyMatch(line -> line.startsWith(sample + " ") && line.contains("  PROCESS  ")
                    && line.contains("  yes  "));
        }
    }
}
