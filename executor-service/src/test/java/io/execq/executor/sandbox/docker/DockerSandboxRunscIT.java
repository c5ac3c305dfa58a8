package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.testing.DockerAvailability;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole contract suite on gVisor ({@code --docker-runtime runsc}), and what only gVisor shows: the program talks
 * to gVisor's kernel, not the host's, and execq's seccomp profile still applies inside it ({@code --oci-seccomp}).
 * Runs wherever dockerd knows {@code runsc}; {@code ops/test.sh} registers it and then requires this test to run.
 */
class DockerSandboxRunscIT extends DockerSandboxContract {

    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() {
        DockerAvailability.requireRuntime("runsc");
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        DockerRuntimes.Runtime runsc = DockerRuntimes.resolve(connection.client(), Optional.of("runsc"),
                "--docker-runtime").orElseThrow();
        sandbox = new DockerSandbox(connection, new ImageResolver(connection, ImagePullPolicy.NEVER,
                Duration.ofSeconds(30)), Clock.systemUTC(), Optional.empty(),
                HardenedHostConfig.defaults().withRuntime(runsc), RunDeadline.probe(RunDeadline.DEFAULT_HELPER),
                Optional.empty());
    }

    @AfterAll
    static void close() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Override
    DockerSandbox dockerSandbox() {
        return sandbox;
    }

    @Test
    void aContainerStopsAtItsOwnDeadlineOnGvisorWhenNoExecutorWatchesIt() throws Exception {
        // As after a SIGKILL of its executor: created and started like a run's, then nobody kills it or reads it.
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER, Duration.ofSeconds(1));
        DockerRuntimes.Runtime runsc = DockerRuntimes.resolve(connection.client(), Optional.of("runsc"),
                "--docker-runtime").orElseThrow();
        RunContainers containers = new RunContainers(HardenedHostConfig.defaults().withRuntime(runsc), deadline,
                Optional.empty());
        SandboxLimits limits = new SandboxLimits(Duration.ofSeconds(1), LIMITS.memoryBytes(), 1000, 64, 4096);
        String id = containers.create(connection.client(), "execq-" + UUID.randomUUID(), IMAGE, limits,
                containers.labels("unwatched", EXECUTOR_ID, java.time.Instant.now()), Optional.empty(),
                deadline.command(List.of("sh", "-c", "trap '' TERM; sleep 300 & sleep 300"), limits), Map.of(),
                HardenedHostConfig.WORKSPACE, io.execq.schema.Network.NONE);
        try {
            long start = System.nanoTime();
            connection.client().startContainerCmd(id).exec();

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !Boolean.TRUE.equals(
                    connection.client().inspectContainerCmd(id).exec().getState().getRunning()));

            assertThat(connection.client().inspectContainerCmd(id).exec().getState().getExitCodeLong()).isEqualTo(137L);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(2),
                    Duration.ofSeconds(15));
        } finally {
            connection.client().removeContainerCmd(id).withForce(true).exec();
        }
    }

    @Test
    void aProgramsKillOfEveryProcessItMaySignalLeavesItsOwnRunGoing() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "sleep 100 & kill -9 -1; echo survived $?"));

        assertThat(outcome.exitCode()).as(outcome.stderr().text()).hasValue(0);
        assertThat(outcome.stdout().text()).isEqualTo("survived 0\n");
    }

    @Test
    void runsOnGvisorsKernelAndSaysSo() throws Exception {
        String hostRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();

        SandboxOutcome outcome = sandbox.run(spec("uname", "-r"));

        assertThat(outcome.runtime()).hasValue("runsc");
        assertThat(outcome.seccompProfile()).hasValue("execq-default");
        assertThat(outcome.stdout().text().trim()).isNotEmpty().isNotEqualTo(hostRelease);
    }

    @Test
    void appliesExecqsSeccompProfileInsideGvisorAndThreadsStillStart() throws Exception {
        String probes;
        try (InputStream in = DockerHardeningIT.class.getResourceAsStream("syscall_probes.py")) {
            probes = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        SandboxSpec spec = SandboxSpec.of("req-" + UUID.randomUUID(), EXECUTOR_ID, "execq/python:3.11",
                List.of("python3", "-c", probes + "\nimport threading\nt = threading.Thread(target=print)\nt.start()"
                        + "\nt.join()"), new SandboxLimits(Duration.ofSeconds(60), 256L << 20, 1000, 64, 1 << 20));

        SandboxOutcome outcome = sandbox.run(spec);

        assertThat(outcome.exitCode()).as("%s", outcome).hasValue(0);
        Map<String, String> results = new ObjectMapper().readValue(outcome.stdout().text().lines().findFirst()
                .orElseThrow(), new TypeReference<Map<String, String>>() { });
        // Without the filter gVisor answers: io_uring_setup ok, unshare ok, AF_VSOCK EAFNOSUPPORT, keyctl EACCES.
        assertThat(results).containsEntry("io_uring_setup", "EPERM").containsEntry("unshare_newuser", "EPERM")
                .containsEntry("socket_vsock", "EPERM").containsEntry("socket_vsock_high_bits", "EPERM")
                .containsEntry("keyctl", "EPERM").containsEntry("clone3", "ENOSYS")
                .containsEntry("socket_inet_loopback", "ok").containsEntry("socket_unix", "ok");
    }
}
