package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code execq demo} end to end, in-process: its own broker, its own executor, the real sandboxes. */
class DemoCommandIT {

    /** The runtime samples (issue 12): each compiles or runs in its image, so only with Docker. */
    private static final String[] RUNTIME_SAMPLES = {"node", "c++", "java"};

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
                    .containsPattern("out of memory +[0-9a-f]{8}  OOM_KILLED +137  DOCKER")
                    .doesNotContain("SKIPPED").doesNotContain("skipped");
            for (String runtime : RUNTIME_SAMPLES) {
                assertThat(run.lines()).as(runtime).anyMatch(line -> line.startsWith(runtime + " ")
                        && line.contains("  SUCCEEDED ") && line.contains("  DOCKER  ") && line.contains("  yes  ")
                        && line.endsWith("  42"));
            }
        } else {
            assertThat(run.out()).contains("NO DOCKER ENGINE").doesNotContain("DOCKER  ");
        }
    }

    /** Also: without --verbose nothing but the demo's own lines reaches the terminal (no Docker-health warnings). */
    @Test
    void withoutDockerTheDemoSaysSoLoudlyAndRunsEverySampleInTheProcessFallback() {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        CliRun run;
        System.setErr(new java.io.PrintStream(logged, true));
        try {
            run = CliRun.of("demo", "--docker-host", "unix:///tmp/execq-no-such-docker.sock");
        } finally {
            System.setErr(stderr);
        }
        assertThat(logged.toString()).as("log lines on stderr").isEmpty();
        assertThat(run.err()).isEmpty();

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("NO DOCKER ENGINE").contains("(Docker DOWN). Submitting 6 samples...")
                .contains("Every sample ended as expected. (3 skipped: they need Docker)");
        for (String runtime : RUNTIME_SAMPLES) {
            assertThat(run.lines()).as(runtime).anyMatch(line -> line.startsWith(runtime + " ")
                    && line.contains("  SKIPPED ") && line.contains("needs Docker: the process fallback would run "
                    + "this host's own tools, not image '"));
        }
        for (String sample : new String[] {"success", "non-zero exit", "timeout", "out of memory", "output flood",
                "python"}) {
            assertThat(run.lines()).anyMatch(line -> line.startsWith(sample + " ") && line.contains("  PROCESS  ")
                    && line.contains("  yes  "));
        }
    }
}
