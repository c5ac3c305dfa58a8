package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An executor's JVM killed with SIGKILL mid-run: its run's program dies with it, but the run's cgroups and workspace
 * tmpfs mount stay on the host; the next process sandbox to start there removes them, and never touches the runs of
 * an executor that is alive. Uses
 * a uid range of its own, so nothing else on the host is swept or counted.
 */
class AbandonedRunsIT {

    private static final int FIRST = 2_000_001_000;
    private static final int LAST = 2_000_001_003;

    private Path lockDir;
    private Path base;
    private HostCapabilities caps;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        caps = HostCapabilities.probe();
        assertThat(caps.setpriv()).as("root with setpriv (ops/test.sh runs as root)").isPresent();
        assertThat(caps.tmpfs()).as("workspace tmpfs").isPresent();
        assertThat(caps.cgroups().memory() && caps.cgroups().pids() && caps.cgroups().cpu()).isTrue();
        lockDir = Files.createTempDirectory("execq-abandoned-locks-");
        base = Files.createTempDirectory(Path.of("/tmp"), "execq-abandoned-it-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process child : children) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        // Whatever a failed assertion left is removed by a last sweep of the range.
        new ProcessSandbox(caps, base, Clock.systemUTC(), users()).close();
    }

    @Test
    void theNextSandboxRemovesWhatAKilledExecutorsRunLeftAndSparesLiveRuns() throws Exception {
        Process dying = child("sleep", "300");
        int uid = awaitRunOfRange();
        assertLeftoversOf(uid).isTrue();

        // A sandbox starting while that executor lives leaves its run alone: the run holds its uid's lock.
        new ProcessSandbox(caps, base, Clock.systemUTC(), users()).close();
        assertLeftoversOf(uid).isTrue();
        assertThat(ProcUids.hasProcesses(uid)).as("the live run's program").isTrue();
        assertThat(dying.isAlive()).isTrue();

        dying.destroyForcibly(); // SIGKILL: no clean-up code of the executor runs
        assertThat(dying.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // bwrap dies with the executor, its namespace init with bwrap (--die-with-parent), and every process of the
        // namespace with its init: the program does not outlive its executor. Its cgroups and workspace mount do.
        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcUids.hasProcesses(uid));
        assertLeftoversOf(uid).as("cgroups and workspace mount outlive the killed executor").isTrue();

        try (ProcessSandbox next = new ProcessSandbox(caps, base, Clock.systemUTC(), users())) {
            assertLeftoversOf(uid).as("after the next sandbox's start").isFalse();
            assertThat(cgroupsOfRange()).isEmpty();
            assertThat(mountsOfRange()).isEmpty();
            assertThat(next.run(SandboxSpec.of("req-after", "it", "ignored", List.of("echo", "ok"),
                    new SandboxLimits(Duration.ofSeconds(20), 64L << 20, 500, 16, 4096))).stdout().text())
                    .isEqualTo("ok\n");
        }
        assertThat(cgroupsOfRange()).isEmpty();
        assertThat(mountsOfRange()).isEmpty();
    }

    private RunUsers users() {
        return RunUsers.forHost(FIRST, LAST, lockDir);
    }

    private Process child(String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SandboxChildProcess.class.getName(),
                lockDir.toString(), Integer.toString(FIRST), Integer.toString(LAST), base.toString()));
        command.addAll(List.of(argv));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(base.resolveSibling(base.getFileName() + ".child.log").toFile()).start();
        children.add(process);
        return process;
    }

    /** The uid of the child's run, once its program runs in its cgroups with its workspace mounted. */
    private int awaitRunOfRange() {
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int uid = FIRST; uid <= LAST; uid++) {
                if (ProcUids.hasProcesses(uid) && hasLeftovers(uid)) {
                    return uid;
                }
            }
            return -1;
        }, uid -> uid >= 0);
    }

    private org.assertj.core.api.AbstractBooleanAssert<?> assertLeftoversOf(int uid) throws Exception {
        return assertThat(hasLeftovers(uid)).as("cgroups under %s and workspace mount of uid %d",
                caps.cgroups().parents(), uid);
    }

    /** Every controller's run cgroup and the workspace mount of {@code uid} exist. */
    private boolean hasLeftovers(int uid) throws Exception {
        for (Path parent : caps.cgroups().parents()) {
            if (!Files.isDirectory(parent.resolve("run-" + uid))) {
                return false;
            }
        }
        return !WorkspaceTmpfs.mountedFor(WorkspaceTmpfs.SOURCE + "-" + uid).isEmpty();
    }

    private List<String> cgroupsOfRange() throws Exception {
        return caps.cgroups().present().stream()
                .filter(name -> name.matches("run-\\d+"))
                .filter(name -> {
                    long uid = Long.parseLong(name.substring(4));
                    return uid >= FIRST && uid <= LAST;
                })
                .toList();
    }

    private List<Integer> mountsOfRange() {
        return WorkspaceTmpfs.mountedUids().stream().filter(uid -> uid >= FIRST && uid <= LAST).toList();
    }
}
