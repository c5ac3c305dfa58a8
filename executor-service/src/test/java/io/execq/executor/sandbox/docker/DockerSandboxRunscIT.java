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
    private static HardenedHostConfig hardening;

    @BeforeAll
    static void connect() {
        DockerAvailability.requireRuntime("runsc");
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        DockerRuntimes.Runtime runsc = DockerRuntimes.resolve(connection.client(), Optional.of("runsc"),
                "--docker-runtime").orElseThrow();
        hardening = HardenedHostConfig.defaults().withRuntime(runsc);
        sandbox = new DockerSandbox(connection, new ImageResolver(connection, ImagePullPolicy.NEVER,
                Duration.ofSeconds(30)), Clock.systemUTC(), Optional.empty(),
                hardening, RunDeadline.probe(RunDeadline.DEFAULT_HELPER),
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

    @Override
    HardenedHostConfig hardening() {
        return hardening;
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
