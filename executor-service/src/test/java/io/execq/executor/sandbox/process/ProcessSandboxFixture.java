package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.stream.Stream;

/**
 * A process sandbox on the default uid pool with a workspace base of its own under /tmp, for the process-sandbox
 * suites, and the check that a finished run left nothing on the host.
 */
final class ProcessSandboxFixture implements AutoCloseable {

    final Path base;
    final RunUsers users;
    final HostCapabilities caps;
    final ProcessSandbox sandbox;

    private ProcessSandboxFixture(Path base, RunUsers users, HostCapabilities caps, ProcessSandbox sandbox) {
        this.base = base;
        this.users = users;
        this.caps = caps;
        this.sandbox = sandbox;
    }

    /** A sandbox with {@code caps} and a workspace cap of {@code maxWorkspaceBytes}, its base named {@code prefix}. */
    static ProcessSandboxFixture create(String prefix, HostCapabilities caps, long maxWorkspaceBytes)
            throws Exception {
        Path base = Files.createTempDirectory(Path.of("/tmp"), prefix);
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
        RunUsers users = RunUsers.ofDefaults();
        return new ProcessSandboxFixture(base, users, caps,
                new ProcessSandbox(caps, base, Clock.systemUTC(), users, maxWorkspaceBytes));
    }

    static ProcessSandboxFixture create(String prefix, HostCapabilities caps) throws Exception {
        return create(prefix, caps, ProcessSandbox.DEFAULT_MAX_WORKSPACE_BYTES);
    }

    /**
     * Nothing but a run has a uid of the pool, and between runs a suite holds none: any process of the range is a run's
     * process that outlived its clean-up; and no workspace directory, run cgroup or workspace mount is left.
     */
    void assertNothingLeftBehind() throws Exception {
        assertThat(users.heldCount()).isZero();
        assertThat(ProcUids.pidsOf(users::contains)).as(() -> ProcessSandboxLeftovers.describe(
                ProcUids.pidsOf(users::contains))).isEmpty();
        try (Stream<Path> left = Files.list(base)) {
            assertThat(left).isEmpty();
        }
        ProcessSandboxLeftovers.assertNoCgroupOrWorkspaceMountOf(caps, users);
    }

    @Override
    public void close() throws Exception {
        sandbox.close();
        Files.deleteIfExists(base);
    }
}
