package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxContractTest;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract suite against real host processes (this machine: root, util-linux present). */
class ProcessSandboxIT extends SandboxContractTest {

    private static Path base;
    private static ProcessSandbox sandbox;

    @BeforeAll
    static void create() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "execq-it-");
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        sandbox = new ProcessSandbox(HostCapabilities.probe(), base, Clock.systemUTC());
    }

    @AfterAll
    static void close() throws Exception {
        sandbox.close();
        Files.deleteIfExists(base);
    }

    @Override
    protected Sandbox sandbox() {
        return sandbox;
    }

    @Override
    protected String image() {
        return "ignored";
    }

    @Override
    protected Set<String> baselineEnvKeys() {
        return Set.of("PATH", "HOME", "LANG");
    }

    @Override
    protected Set<Protection> expectedProtections() {
        // Everything but what needs a container: read-only root fs, a memory cgroup's CPU quota, a tmpfs.
        return EnumSet.complementOf(EnumSet.of(Protection.UNKNOWN, Protection.READ_ONLY_ROOT_FS,
                Protection.CPU_LIMIT, Protection.TMPFS_LIMIT));
    }

    @Override
    protected void assertNothingLeftBehind() throws Exception {
        // Only this suite's runs count: other processes of uid 65534 (containers, other tests) may exist on the host.
        List<ProcessHandle> runUserProcesses = ProcessHandle.allProcesses()
                .filter(p -> p.info().user().filter("nobody"::equals).isPresent())
                .filter(ProcessSandboxIT::belongsToThisSuite)
                .toList();
        assertThat(runUserProcesses).extracting(p -> p.pid() + " " + p.info().commandLine().orElse("?")).isEmpty();
        try (Stream<Path> left = Files.list(base)) {
            assertThat(left).isEmpty();
        }
    }

    /** Started in one of our workspaces: its working directory or its HOME lies under this suite's base dir. */
    private static boolean belongsToThisSuite(ProcessHandle process) {
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        try {
            if (Files.readSymbolicLink(proc.resolve("cwd")).toString().startsWith(base.toString())) {
                return true;
            }
            String environment = new String(Files.readAllBytes(proc.resolve("environ")),
                    java.nio.charset.StandardCharsets.UTF_8);
            return environment.contains("HOME=" + base);
        } catch (java.io.IOException e) {
            return false; // exited meanwhile
        }
    }

    @Override
    protected void assertMemoryBombContained(SandboxOutcome outcome) {
        // An address-space limit turns the bomb into an allocation failure: the shell exits non-zero by itself.
        assertThat(outcome.oomKilled()).isFalse();
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.exitCode()).isPresent();
        assertThat(outcome.exitCode().getAsInt()).isNotZero();
    }

    @Test
    void workspaceIsPrivateToTheRunUser() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "stat -c '%a %u' \"$HOME\""));

        assertThat(outcome.stdout().text()).isEqualTo("700 65534\n");
    }

    @Test
    void killsAChildThatStartedItsOwnSessionAtTheTimeout() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec(new io.execq.executor.sandbox.SandboxLimits(
                java.time.Duration.ofSeconds(2), LIMITS.memoryBytes(), 1000, 64, 4096),
                "sh", "-c", "setsid sleep 1000 & wait"));

        assertThat(outcome.timedOut()).isTrue();
    }
}
