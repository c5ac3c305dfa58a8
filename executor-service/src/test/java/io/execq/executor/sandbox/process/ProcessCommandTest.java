package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.schema.Protection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ProcessCommandTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofMillis(2500), 64L << 20, 1000, 16, 4096);
    private static final Path WORKSPACE = Path.of("/tmp/execq-ws-base/execq-run-1");
    private static final ProcessCommand.Run RUN = new ProcessCommand.Run(LIMITS, OptionalInt.of(2_000_000_123),
            WORKSPACE, WORKSPACE.resolve("data"), List.of("sh", "-c", "echo $HOME"), Optional.empty());
    private static final RunCgroups ALL_CGROUPS = new RunCgroups(Optional.of(Path.of("/cg/memory/execq")),
            Optional.of(Path.of("/cg/pids/execq")), Optional.of(Path.of("/cg/cpu/execq")));
    private static final RunCgroups NO_CGROUPS = new RunCgroups(Optional.empty(), Optional.empty(), Optional.empty());
    private static final HostCapabilities UTIL_LINUX = HostCapabilities.utilLinux(Optional.of(Path.of("/usr/bin/setsid")),
            Optional.of(Path.of("/usr/bin/prlimit")), Optional.of(Path.of("/usr/bin/setpriv")),
            Optional.of(Path.of("/usr/bin/unshare")), Optional.of(Path.of("/usr/bin/kill")), true);
    private static final HostCapabilities ALL = new HostCapabilities(UTIL_LINUX.setsid(), UTIL_LINUX.prlimit(),
            UTIL_LINUX.setpriv(), UTIL_LINUX.unshare(), UTIL_LINUX.kill(), true, Optional.of(Path.of("/usr/bin/bwrap")),
            Optional.of(Path.of("/bin/sh")), Optional.of(Path.of("/run/execq/filter.bpf")),
            Optional.of(new HostCapabilities.MountTools(Path.of("/usr/bin/mount"), Path.of("/usr/bin/umount"))),
            ALL_CGROUPS, Optional.of(List.of("/bin/busybox", "mount")));
    private static final HostCapabilities NOTHING = HostCapabilities.utilLinux(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), true);

    private static final List<String> ROOT = List.of("--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin");
    private static final List<String> PRLIMIT_WITHOUT_AS = List.of("/usr/bin/prlimit", "--nproc=16",
            "--fsize=67108864", "--nofile=256", "--cpu=4", "--");
    private static final List<String> SETPRIV = List.of("/usr/bin/setpriv", "--reuid", "2000000123", "--regid",
            "2000000123", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--");

    @Test
    void wrapsTheProgramInBwrapWithCgroupsSeccompAndTheCappedWorkspace() {
        List<String> expected = new ArrayList<>(List.of(
                "/bin/sh", "-c", "IFS= read -r _ || exit 125; f=$1; shift; exec \"$@\" 3<\"$f\"", "execq-run",
                "/run/execq/filter.bpf",
                "/usr/bin/setsid",
                "/usr/bin/bwrap", "--die-with-parent", "--new-session", "--as-pid-1",
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "execq",
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", "67108864", "--tmpfs", "/tmp",
                "--perms", "1777", "--size", "67108864", "--tmpfs", "/var/tmp",
                "--perms", "1777", "--size", "67108864", "--tmpfs", "/dev/shm",
                "--perms", "0711", "--dir", "/tmp/execq-ws-base",
                "--bind", WORKSPACE.toString(), WORKSPACE.toString(), "--chdir", WORKSPACE + "/data",
                "--seccomp", "3", "--remount-ro", "/", "--",
                "/bin/sh", "-c", "exec 4>&2 2>/dev/null; "
                        + "/bin/busybox mount -o remount,size=67108864,nr_inodes=16384 /tmp"
                        + " || { echo 'execq-init: cannot cap the inodes of /tmp' >&4; exit 125; }; "
                        + "/bin/busybox mount -o remount,size=67108864,nr_inodes=16384 /var/tmp"
                        + " || { echo 'execq-init: cannot cap the inodes of /var/tmp' >&4; exit 125; }; "
                        + "/bin/busybox mount -o remount,size=67108864,nr_inodes=16384 /dev/shm"
                        + " || { echo 'execq-init: cannot cap the inodes of /dev/shm' >&4; exit 125; }; "
                        + "(exec \"$@\" 2>&4 4>&-); exit $?", "execq-init",
                "/usr/bin/env", "-u", "PWD", "--"));
        expected.addAll(PRLIMIT_WITHOUT_AS);
        expected.addAll(SETPRIV);
        expected.addAll(List.of("sh", "-c", "echo $HOME"));

        assertThat(ProcessCommand.argv(ALL, RUN, ROOT)).containsExactlyElementsOf(expected);
        assertThat(ProcessCommand.runtime(ALL)).isEqualTo("bwrap");
        assertThat(ProcessCommand.seccompProfile(ALL)).hasValue(SeccompFilter.NAME);
        assertThat(ProcessCommand.waitsForGo(ALL)).isTrue();
    }

    @Test
    void restoresTheRequestsOwnPwdAfterTheWrappers() {
        ProcessCommand.Run run = new ProcessCommand.Run(LIMITS, OptionalInt.of(2_000_000_123), WORKSPACE, WORKSPACE,
                List.of("pwd"), Optional.of("/somewhere else"));

        assertThat(ProcessCommand.argv(ALL, run)).containsSubsequence("--seccomp", "3", "--", "execq-init",
                "/usr/bin/env", "PWD=/somewhere else", "--", "/usr/bin/prlimit");
    }

    @Test
    void createsNoParentDirectoriesForAWorkspaceOutsideThePrivateTmpfs() {
        Path elsewhere = Path.of("/var/lib/execq/ws/execq-run-2");

        assertThat(ProcessCommand.workspaceArgs(elsewhere, elsewhere))
                .containsExactly("--bind", elsewhere.toString(), elsewhere.toString(), "--chdir", elsewhere.toString());
        assertThat(ProcessCommand.workspaceArgs(Path.of("/tmp/a/b/c"), Path.of("/tmp/a/b/c"))).containsExactly(
                "--perms", "0711", "--dir", "/tmp/a", "--perms", "0711", "--dir", "/tmp/a/b",
                "--bind", "/tmp/a/b/c", "/tmp/a/b/c", "--chdir", "/tmp/a/b/c");
    }

    @Test
    void fallsBackToUnshareWithTheWrapperStderrDiscardedAndTheProgramsKept() {
        HostCapabilities unshare = ALL.withoutBwrap();
        List<String> expected = new ArrayList<>(List.of(
                "/bin/sh", "-c", "IFS= read -r _ || exit 125; exec \"$@\" 4>&2 2>/dev/null", "execq-run",
                "/usr/bin/setsid",
                "/usr/bin/unshare", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", "--",
                "/bin/sh", "-c", "(exec \"$@\" 2>&4 4>&-); exit $?", "execq-init",
                "/usr/bin/env", "-u", "PWD", "--"));
        expected.addAll(PRLIMIT_WITHOUT_AS);
        expected.addAll(SETPRIV);
        expected.addAll(List.of("sh", "-c", "echo $HOME"));

        assertThat(ProcessCommand.argv(unshare, RUN)).containsExactlyElementsOf(expected);
        assertThat(ProcessCommand.runtime(unshare)).isEqualTo("unshare");
        assertThat(ProcessCommand.seccompProfile(unshare)).isEmpty();
    }

    @Test
    void limitsAddressSpaceOnlyWithoutAMemoryCgroup() {
        assertThat(ProcessCommand.argv(UTIL_LINUX, RUN)).containsExactly(
                "/usr/bin/setsid",
                "/usr/bin/unshare", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", "--",
                "/usr/bin/prlimit", "--as=67108864", "--nproc=16", "--fsize=67108864", "--nofile=256", "--cpu=4", "--",
                "/usr/bin/setpriv", "--reuid", "2000000123", "--regid", "2000000123", "--clear-groups",
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
                "sh", "-c", "echo $HOME");
        assertThat(ProcessCommand.waitsForGo(UTIL_LINUX)).isFalse();
    }

    @Test
    void runsTheProgramBareWhenNoToolExists() {
        ProcessCommand.Run run = new ProcessCommand.Run(LIMITS, OptionalInt.empty(), WORKSPACE, WORKSPACE, List.of("id"), Optional.empty());

        assertThat(ProcessCommand.argv(NOTHING, run)).containsExactly("id");
        assertThat(ProcessCommand.runtime(NOTHING)).isEqualTo("plain");
    }

    @Test
    void refusesToSwitchUsersWithoutARunUid() {
        ProcessCommand.Run run = new ProcessCommand.Run(LIMITS, OptionalInt.empty(), WORKSPACE, WORKSPACE, List.of("id"), Optional.empty());

        assertThatThrownBy(() -> ProcessCommand.argv(ALL, run))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a run uid is required to switch users with /usr/bin/setpriv");
    }

    @Test
    void refusesASeccompFilterWithoutBwrapOrCgroupsWithoutTheLaunchShell() {
        assertThatThrownBy(() -> new HostCapabilities(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, Optional.empty(), Optional.of(Path.of("/bin/sh")),
                Optional.of(Path.of("/f.bpf")), Optional.empty(), NO_CGROUPS, Optional.empty()))
                .hasMessage("the seccomp filter is loaded by bwrap, which is absent");
        assertThatThrownBy(() -> new HostCapabilities(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), ALL_CGROUPS, Optional.empty()))
                .hasMessage("the seccomp filter and run cgroups need the launch shell");
        assertThatThrownBy(() -> new HostCapabilities(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, Optional.empty(), Optional.of(Path.of("/bin/sh")),
                Optional.empty(), Optional.empty(), NO_CGROUPS, Optional.of(List.of("/bin/busybox", "mount"))))
                .hasMessage("the private tmp dirs are bwrap's, remounted by the init shell");
    }

    @Test
    void claimsEverythingWithBwrapCgroupsSeccompAndMounts() {
        assertThat(ProcessCommand.protections(ALL)).containsExactlyInAnyOrder(Protection.PRIVATE_WORKSPACE,
                Protection.CLEARED_ENVIRONMENT, Protection.OUTPUT_CAP, Protection.PROCESS_GROUP_KILL,
                Protection.NETWORK_ISOLATED, Protection.PID_NAMESPACE, Protection.IPC_NAMESPACE,
                Protection.UTS_NAMESPACE, Protection.PRIVATE_TMP, Protection.TMPFS_LIMIT, Protection.READ_ONLY_ROOT_FS,
                Protection.SECCOMP_FILTER, Protection.USER_NAMESPACES_BLOCKED, Protection.MEMORY_LIMIT,
                Protection.CPU_TIME_LIMIT, Protection.FILE_SIZE_LIMIT, Protection.OPEN_FILES_LIMIT,
                Protection.PIDS_LIMIT, Protection.CPU_LIMIT, Protection.WORKSPACE_LIMIT, Protection.NON_ROOT_USER,
                Protection.NO_NEW_PRIVILEGES, Protection.CAPABILITIES_DROPPED);
    }

    @Test
    void claimsNoPrivateTmpReadOnlyRootOrSeccompWithUnshare() {
        assertThat(ProcessCommand.protections(ALL.withoutBwrap()))
                .contains(Protection.IPC_NAMESPACE, Protection.UTS_NAMESPACE, Protection.PID_NAMESPACE,
                        Protection.WORKSPACE_LIMIT, Protection.CPU_LIMIT)
                .doesNotContain(Protection.PRIVATE_TMP, Protection.READ_ONLY_ROOT_FS, Protection.TMPFS_LIMIT,
                        Protection.SECCOMP_FILTER, Protection.USER_NAMESPACES_BLOCKED);
        assertThat(ProcessCommand.protections(UTIL_LINUX))
                .doesNotContain(Protection.WORKSPACE_LIMIT, Protection.CPU_LIMIT);
    }

    @Test
    void claimsOnlyWhatItsToolsApplyForRootWithoutTools() {
        assertThat(ProcessCommand.protections(NOTHING)).containsExactlyInAnyOrder(
                Protection.PRIVATE_WORKSPACE, Protection.CLEARED_ENVIRONMENT, Protection.OUTPUT_CAP);
    }

    @Test
    void doesNotClaimAPidsLimitForRootWithoutAUserSwitch() {
        HostCapabilities rootWithoutSetpriv = HostCapabilities.utilLinux(Optional.empty(), Optional.of(Path.of("/usr/bin/prlimit")),
                Optional.empty(), Optional.empty(), Optional.empty(), true);

        assertThat(ProcessCommand.protections(rootWithoutSetpriv)).doesNotContain(Protection.PIDS_LIMIT, Protection.NON_ROOT_USER)
                .contains(Protection.MEMORY_LIMIT, Protection.CPU_TIME_LIMIT);
    }

    @Test
    void roundsCpuSecondsUpAndAddsOne() {
        assertThat(ProcessCommand.cpuSeconds(LIMITS)).isEqualTo(4);
    }
}
