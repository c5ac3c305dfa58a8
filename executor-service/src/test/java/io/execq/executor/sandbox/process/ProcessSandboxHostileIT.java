package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.pipeline.PreparedRun;
import io.execq.executor.pipeline.ResultFactory;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.Backend;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The process fallback against the hostile corpus that used to get through it, from the attacker's side: each test
 * runs the attack through the real {@link ProcessSandbox} (bubblewrap, cgroups, seccomp, tmpfs workspace on this
 * machine) and then looks at the host.
 */
class ProcessSandboxHostileIT {

    private static final long WORKSPACE_CAP = 32L << 20;
    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(20), 256L << 20, 500, 64, 1 << 20);
    private static final int SHM_KEY = 0x5ec0de;
    /** Python: create a SysV shared memory segment of 1 MiB with SHM_KEY, print its id. */
    private static final String MAKE_SEGMENT = "import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
            + "print(libc.shmget(" + SHM_KEY + ", 1 << 20, 0o1666))";
    /** Python: look the segment up by key; prints -1 and ENOENT when it does not exist. */
    private static final String FIND_SEGMENT = "import ctypes, errno; libc = ctypes.CDLL(None, use_errno=True); "
            + "r = libc.shmget(" + SHM_KEY + ", 0, 0); print(r, errno.errorcode.get(ctypes.get_errno()) if r < 0 else '')";

    private static ProcessSandboxFixture fixture;
    private static RunUsers users;
    private static HostCapabilities caps;
    private static ProcessSandbox sandbox;

    @BeforeAll
    static void create() throws Exception {
        fixture = ProcessSandboxFixture.create("execq-hostile-it-", HostCapabilities.probe(), WORKSPACE_CAP);
        users = fixture.users;
        caps = fixture.caps;
        sandbox = fixture.sandbox;
        assertThat(caps.bwrap()).as("bubblewrap (ops/lib installs it)").isPresent();
        assertThat(caps.seccompFilter()).isPresent();
        assertThat(caps.cgroups().memory() && caps.cgroups().pids() && caps.cgroups().cpu()).isTrue();
    }

    @AfterAll
    static void close() throws Exception {
        fixture.close();
    }

    @AfterEach
    void leavesNothingBehind() throws Exception {
        fixture.assertNothingLeftBehind();
    }

    @Test
    void aLaterRunSeesNothingAnEarlierRunLeftInTmpVarTmpDevShmOrSysvIpc() throws Exception {
        String marker = "execq-left-" + UUID.randomUUID();
        SandboxOutcome first = sandbox.run(spec("sh", "-c",
                "for d in /tmp /var/tmp /dev/shm; do echo secret > $d/" + marker + " || exit 1; done; "
                        + "python3 -c \"$0\"; ipcs -m", MAKE_SEGMENT));

        assertThat(first.stderr().text()).isEmpty();
        assertThat(first.exitCode()).hasValue(0);
        List<String> firstLines = first.stdout().text().lines().toList();
        assertThat(Integer.parseInt(firstLines.get(0))).as("the segment was created").isGreaterThanOrEqualTo(0);
        assertThat(first.stdout().text()).contains(String.format("0x%08x", SHM_KEY));
        assertThat(first.protections()).contains(Protection.PRIVATE_TMP, Protection.IPC_NAMESPACE);
        // The host: no file, no segment.
        for (String dir : List.of("/tmp", "/var/tmp", "/dev/shm")) {
            assertThat(Path.of(dir, marker)).doesNotExist();
        }
        assertThat(hostSegmentKeys()).doesNotContain(String.valueOf(SHM_KEY));

        SandboxOutcome second = sandbox.run(spec("sh", "-c",
                "cat /tmp/" + marker + " /var/tmp/" + marker + " /dev/shm/" + marker + " 2>&1; ls -A /var/tmp /dev/shm; "
                        + "python3 -c \"$0\"", FIND_SEGMENT));

        assertThat(second.stdout().text()).doesNotContain("secret")
                .contains("/tmp/" + marker + ": No such file or directory")
                .contains("/var/tmp/" + marker + ": No such file or directory")
                .contains("/dev/shm/" + marker + ": No such file or directory")
                .contains("/dev/shm:\n\n/var/tmp:\n-1 ENOENT\n");
    }

    @Test
    void aFloodOfEmptyFilesInTmpVarTmpOrDevShmStopsAtTheirInodeCap() throws Exception {
        // bwrap's --tmpfs takes a size only: the init remounts each with nr_inodes (fill-tmp-inodes in the corpus).
        // (true, not the special built-in ':', whose failed redirection would end the shell.)
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "for d in /tmp /var/tmp /dev/shm; do i=0; "
                + "while [ $i -lt 20000 ]; do true > $d/f$i 2>/dev/null || break; i=$((i+1)); done; echo $d $i; "
                + "done"));

        assertThat(outcome.exitCode()).as(outcome.stderr().text()).hasValue(0);
        long cap = ProcessCommand.TMP_INODES;
        assertThat(outcome.stdout().text().lines().toList()).extracting(line -> line.split(" ")[0])
                .containsExactly("/tmp", "/var/tmp", "/dev/shm");
        assertThat(outcome.stdout().text().lines().toList()).allSatisfy(line ->
                assertThat(Long.parseLong(line.split(" ")[1])).as("ENOSPC at the inode cap: %s", line)
                        .isBetween(cap - 8, cap - 1));
    }

    @Test
    void fillingTheWorkspaceStopsAtTheCapWithEnospcInATmpfsOffTheHostDisk() throws Exception {
        // The measured attack: 30 files of 50 MB (1.4 GB once, no total limit).
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c",
                "stat -f -c %T \"$HOME\"; for i in $(seq 1 30); do head -c 50000000 /dev/zero > f$i || break; done; "
                        + "du -sk \"$HOME\" | cut -f1"));

        List<String> lines = outcome.stdout().text().lines().toList();
        assertThat(lines.get(0)).isEqualTo("tmpfs");
        assertThat(outcome.stderr().text()).contains("No space left on device");
        assertThat(Long.parseLong(lines.get(1))).isBetween(WORKSPACE_CAP / 1024 - 1024, WORKSPACE_CAP / 1024);
        assertThat(outcome.protections()).contains(Protection.WORKSPACE_LIMIT);
        assertThat(outcome.oomKilled()).isFalse();
    }

    @Test
    void refusesUserNamespacesIoUringVsockAndKeyrings() throws Exception {
        String probes = "import ctypes, errno\n"
                + "libc = ctypes.CDLL(None, use_errno=True)\n"
                + "def call(name, nr, *args):\n"
                + "    r = libc.syscall(nr, *args)\n"
                + "    print(name, r if r >= 0 else errno.errorcode[ctypes.get_errno()])\n"
                + "call('unshare_user', 272, 0x10000000)\n"
                + "call('io_uring_setup', 425, 1, ctypes.create_string_buffer(120))\n"
                + "call('socket_vsock', 41, 40, 1, 0)\n"
                + "call('keyctl', 250, 0, 0)\n"
                + "call('socket_unix', 41, 1, 1, 0)\n";
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "python3 -c \"$0\"; unshare --user true; echo unshare=$?",
                probes));

        assertThat(outcome.stdout().text()).isEqualTo("unshare_user EPERM\nio_uring_setup ENOSYS\n"
                + "socket_vsock EAFNOSUPPORT\nkeyctl EPERM\nsocket_unix 3\nunshare=1\n");
        assertThat(outcome.seccompProfile()).hasValue(SeccompFilter.NAME);
        assertThat(outcome.runtime()).hasValue("bwrap");
        assertThat(outcome.protections()).contains(Protection.SECCOMP_FILTER, Protection.USER_NAMESPACES_BLOCKED);
    }

    @Test
    void aMemoryHogIsOomKilledAndTheResultSaysSo() throws Exception {
        SandboxSpec spec = spec(new SandboxLimits(Duration.ofSeconds(20), 32L << 20, 1000, 64, 4096),
                "python3", "-c", "x = []\nwhile True: x.append(bytearray(1 << 20))");

        SandboxOutcome outcome = sandbox.run(spec);

        assertThat(outcome.oomKilled()).isTrue();
        assertThat(outcome.exitCode()).hasValue(137);
        assertThat(outcome.stderr().text()).isEmpty();
        ExecutionResult result = result(spec, outcome);
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.OOM_KILLED);
        assertThat(result.getOomKilled()).isTrue();
        assertThat(result.getBackend()).isEqualTo(Backend.PROCESS);
        assertThat(result.getSandboxRuntime()).isEqualTo("bwrap");
        assertThat(result.getSeccompProfile()).isEqualTo(SeccompFilter.NAME);
    }

    @Test
    void aRunThatExitsWith137IsNotReportedOomKilled() throws Exception {
        // 137 is what a SIGKILL looks like; only the cgroup's own OOM kill count may make it an OOM verdict.
        SandboxSpec spec = spec("sh", "-c", "sh -c 'kill -KILL $$'; exit $?");

        SandboxOutcome outcome = sandbox.run(spec);

        assertThat(outcome.exitCode()).hasValue(137);
        assertThat(outcome.oomKilled()).isFalse();
        assertThat(result(spec, outcome).getStatus()).isEqualTo(ExecutionStatus.FAILED);
    }

    @Test
    void eachRunHasItsOwnCgroupsWithItsLimitsWhileItRuns() throws Exception {
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<SandboxOutcome> run = background.submit(() -> sandbox.run(spec("sh", "-c", "sleep 3; echo done")));
            Path cpu = await().atMost(Duration.ofSeconds(5)).until(() -> runCgroup(caps.cgroups().parents().get(2)),
                    Optional::isPresent).orElseThrow();
            Path memory = runCgroup(caps.cgroups().parents().get(0)).orElseThrow();
            Path pids = runCgroup(caps.cgroups().parents().get(1)).orElseThrow();

            assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
            assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(256L << 20));
            assertThat(Files.readString(pids.resolve("pids.max")).trim()).isEqualTo("66");
            assertThat(Files.readString(pids.resolve("cgroup.procs")).lines()).isNotEmpty();
            assertThat(run.get(30, TimeUnit.SECONDS).stdout().text()).isEqualTo("done\n");
            assertThat(memory).doesNotExist(); // and leavesNothingBehind checks every controller
        } finally {
            background.shutdownNow();
        }
    }

    @Test
    void aRunHasNoMountOfAnotherRunsWorkspaceAndSeesEveryEntryOfTheHostsRoot() throws Exception {
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<SandboxOutcome> other = background.submit(() -> sandbox.run(spec("sh", "-c",
                    "echo secret > other-run-file; sleep 3; echo done")));
            await().atMost(Duration.ofSeconds(5)).until(() -> !WorkspaceTmpfs.mountedUids().isEmpty());

            // With the host's root bound whole, the other workspace's copy was in this namespace, and bubblewrap's
            // start failed when the other run unmounted it meanwhile (containers/bubblewrap#650).
            SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "grep -c ' - tmpfs execq-ws-' /proc/self/mountinfo; "
                    + "ls -A /; find / -name other-run-file 2>/dev/null"));

            List<String> lines = outcome.stdout().text().lines().toList();
            assertThat(lines.get(0)).as("workspace mounts in the run's namespace: its own").isEqualTo("1");
            Set<String> hostRoot;
            try (Stream<Path> entries = Files.list(Path.of("/"))) {
                hostRoot = entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            }
            assertThat(lines).containsAll(hostRoot);
            assertThat(outcome.stdout().text()).doesNotContain("other-run-file");
            assertThat(other.get(30, TimeUnit.SECONDS).stdout().text()).isEqualTo("done\n");
        } finally {
            background.shutdownNow();
        }
    }

    @Test
    void aHostnameChangeStaysInsideTheRunsOwnUtsAndIpcNamespaces() throws Exception {
        String hostHostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c",
                "cat /proc/sys/kernel/hostname; hostname evil 2>/dev/null; echo set=$?; "
                        + "readlink /proc/self/ns/uts /proc/self/ns/ipc"));

        List<String> lines = outcome.stdout().text().lines().toList();
        assertThat(lines.get(0)).isEqualTo(ProcessCommand.HOSTNAME);
        assertThat(lines.get(1)).isNotEqualTo("set=0");
        assertThat(lines.get(2)).startsWith("uts:[").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/uts")).toString());
        assertThat(lines.get(3)).startsWith("ipc:[").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString());
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(hostHostname);
    }

    @Test
    void aTimedOutRunsOutputHoldsNothingOfTheWrapper() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec(new SandboxLimits(Duration.ofSeconds(1), 64L << 20, 1000, 64, 4096),
                // exec: no shell of the program's own is left to report its child's SIGKILL ("Killed"), which is
                // the program's output, not the wrapper's; whichever process the kill reaches first.
                "sh", "-c", "echo started; echo err >&2; sleep 100 & exec sleep 100"));

        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.stdout().text()).isEqualTo("started\n");
        assertThat(outcome.stderr().text()).isEqualTo("err\n");
    }

    /** The result the pipeline's build-result stage makes of {@code outcome}. */
    private static ExecutionResult result(SandboxSpec spec, SandboxOutcome outcome) {
        ExecutionRequest request = ExecutionRequest.newBuilder().setRequestId(spec.requestId())
                .setSubmittedAt(Instant.now()).setCommand(spec.argv()).setIsolation(Isolation.PROCESS).build();
        EffectiveLimits limits = new EffectiveLimits(spec.limits().timeout().toMillis(), spec.limits().memoryBytes(),
                spec.limits().milliCpus(), spec.limits().pids(), spec.limits().maxOutputBytes());
        return new ResultFactory("hostile-it", Clock.systemUTC()).completed(new PreparedRun(request, "ignored", limits,
                spec), outcome);
    }

    private static Optional<Path> runCgroup(Path parent) throws Exception {
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(dir -> dir.getFileName().toString().startsWith("run-"))
                    .filter(dir -> users.contains(Integer.parseInt(dir.getFileName().toString().substring(4))))
                    .findFirst();
        }
    }

    /** Keys (decimal) of the host's SysV shared memory segments. */
    private static List<String> hostSegmentKeys() throws Exception {
        return Files.readAllLines(Path.of("/proc/sysvipc/shm")).stream().skip(1)
                .map(line -> line.trim().split("\\s+")[0]).toList();
    }

    private static SandboxSpec spec(String... argv) {
        return spec(LIMITS, argv);
    }

    private static SandboxSpec spec(SandboxLimits limits, String... argv) {
        return SandboxSpec.of("req-" + UUID.randomUUID(), "hostile-it", "ignored", List.of(argv), limits);
    }
}
