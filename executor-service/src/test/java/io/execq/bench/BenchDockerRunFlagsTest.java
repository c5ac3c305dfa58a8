package io.execq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchDockerRunFlagsTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(5), 64L << 20, 500, 32, 1024);

    @Test
    void everyHardeningValueOfTheHostConfigBecomesAFlag() {
        List<String> flags = DockerRunFlags.of(HardenedHostConfig.defaults().hostConfig(LIMITS, java.util.Optional.empty()),
                HardenedHostConfig.RUN_USER, Map.of("execq.managed", "true"));

        assertThat(String.join(" ", flags)).isEqualTo(String.join(" ",
                "--network none --read-only --cap-drop ALL --security-opt no-new-privileges",
                "--security-opt " + DockerRunFlags.cliSecurityOpt(
                        HardenedHostConfig.defaults().seccomp().securityOpt()) + " --pids-limit 32",
                "--memory " + (64L << 20), "--memory-swap " + (64L << 20), "--cpus 0.500 --ipc private",
                "--tmpfs " + HardenedHostConfig.WORKSPACE + ":" + HardenedHostConfig.defaults().workspaceTmpfsOptions(LIMITS),
                "--tmpfs /tmp:" + HardenedHostConfig.TMPFS_OPTIONS,
                "--ulimit nofile=256:256", "--ulimit fsize=" + HardenedHostConfig.FSIZE_LIMIT_BYTES + ":"
                        + HardenedHostConfig.FSIZE_LIMIT_BYTES,
                "--log-driver none --user 65534:65534",
                "--label execq.managed=true"));
    }

    @Test
    void givesTheCliTheSeccompProfileAsAFileWithTheSameContent() throws Exception {
        String opt = DockerRunFlags.cliSecurityOpt(HardenedHostConfig.defaults().seccomp().securityOpt());

        assertThat(opt).startsWith("seccomp=/");
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of(opt.substring("seccomp=".length()))))
                .isEqualTo(HardenedHostConfig.defaults().seccomp().json());
        assertThat(DockerRunFlags.cliSecurityOpt("no-new-privileges")).isEqualTo("no-new-privileges");
    }

    @Test
    void namesAnExplicitRuntime() {
        List<String> flags = DockerRunFlags.of(HardenedHostConfig.defaults().withRuntime("runsc")
                .hostConfig(LIMITS, java.util.Optional.empty()), HardenedHostConfig.RUN_USER, Map.of());

        assertThat(String.join(" ", flags)).contains("--runtime runsc --pids-limit 32");
    }

    @Test
    void aNamedVolumeKeepsItsSource() {
        List<String> flags = DockerRunFlags.of(HardenedHostConfig.defaults().hostConfig(LIMITS, java.util.Optional.of("execq-vol")),
                HardenedHostConfig.RUN_USER, Map.of());

        assertThat(flags).contains("type=volume,src=execq-vol,dst=/execq,volume-nocopy");
    }

    @Test
    void theCliSeriesRunsTheCommandAsEntrypointAfterTheFlags() {
        var spec = io.execq.executor.sandbox.SandboxSpec.of("r-1", "bench", "execq/busybox:latest",
                List.of("echo", "bench"), LIMITS);

        List<String> argv = DockerCliSeries.argv("unix:///var/run/docker.sock", spec);

        assertThat(argv.subList(0, 5)).containsExactly("docker", "-H", "unix:///var/run/docker.sock", "run", "--rm");
        assertThat(argv.subList(argv.size() - 4, argv.size()))
                .containsExactly("--entrypoint", "echo", "execq/busybox:latest", "bench");
        assertThat(argv).contains("--label", "execq.request-id=r-1");
    }

    @Test
    void theInProcessExecutorIsSizedForOverheadAndExecutorOptionsWin() {
        BenchSettings settings = new BenchSettings(java.util.EnumSet.of(io.execq.schema.Backend.PROCESS),
                List.of("true"), "execq/busybox:latest", List.of("sleep", "1"), 1, "unix:///d.sock",
                java.util.Optional.empty(), Map.of("concurrency", "2", "request-partitions", "32"),
                Duration.ofSeconds(10));

        Map<String, String> options = BenchEnvironment.executorOptions("127.0.0.1:1",
                settings, new BenchPlan(Scenario.THROUGHPUT, 5, List.of(1, 8), 0, 1));

        assertThat(options).containsEntry("rate", "100000").containsEntry("concurrency", "2")
                .containsEntry("request-partitions", "32").containsEntry("bootstrap-servers", "127.0.0.1:1")
                .containsEntry("embedded-kafka", "never").containsEntry("docker-host", "unix:///d.sock");
        assertThat(BenchEnvironment.executorOptions("127.0.0.1:1", new BenchSettings(settings.backends(),
                settings.command(), settings.image(), settings.longCommand(), 1, settings.dockerHost(),
                settings.bootstrapServers(), Map.of(), settings.timeout()),
                new BenchPlan(Scenario.THROUGHPUT, 5, List.of(1, 8), 0, 1))).containsEntry("concurrency", "8");
    }
}
