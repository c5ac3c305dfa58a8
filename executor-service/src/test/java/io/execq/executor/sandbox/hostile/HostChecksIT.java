package io.execq.executor.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.Sandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every host check of the corpus can fail: each test plants on the real host (as root) exactly what a leaking run
 * would leave, as a uid of a range no sandbox uses, and asserts that the check reports it and cleans it up.
 */
class HostChecksIT {

    private static final int FIRST_UID = 2_000_100_900;
    private static final int LAST_UID = 2_000_100_999;
    private static final int RUN_UID = 2_000_100_950;
    private static final String CASE = """
            id: checks
            title: planted leaks
            source: this test https://example.org
            proves: the checks see leaks.
            language: sh
            timeout: 1s
            memory: 64m
            pids: 8
            output: 1k
            expect-status: succeeded
            --- program
            true
            """;

    private static HostBait bait;
    private static CaseRun run;

    @BeforeAll
    static void layBait() throws IOException {
        bait = HostBait.create();
        run = new CaseRun(HostileCaseFile.parse("checks.case", CASE), bait, new PlantedBackend(), "checks-it");
    }

    @AfterAll
    static void removeBait() throws Exception {
        bait.close();
    }

    @Test
    void processesCheckReportsAndKillsAProcessOfARunUidThatOutlivedTheRun() throws Exception {
        HostCheck check = new LeftoverProcessesCheck(run.backend());
        check.before();
        Process leaked = asRunUid("sleep", "60");
        await().atMost(Duration.ofSeconds(5)).until(() -> // setpriv has switched to the run uid
                HostProcess.of(leaked.pid()).map(HostProcess::uid).orElse(-1) == RUN_UID);

        List<String> violations = check.after();

        assertThat(violations).singleElement().asString()
                .startsWith("process of a run still alive after it returned: pid " + leaked.pid() + " uid " + RUN_UID);
        assertThat(leaked.waitFor(5, TimeUnit.SECONDS)).as("killed by the check").isTrue();
    }

    @Test
    void sysvIpcCheckReportsAndRemovesASegmentOfARunUid() throws Exception {
        HostCheck check = new SysvIpcCheck(run.backend());
        check.before();
        python("import ctypes; print(ctypes.CDLL(None).shmget(0x5eed, 4096, 0o1000 | 0o600))");

        List<String> violations = check.after();

        assertThat(violations).singleElement().asString().startsWith("SysV shm ").contains("uid " + RUN_UID);
        assertThat(Files.readString(Path.of("/proc/sysvipc/shm"))).doesNotContain(" " + RUN_UID + " ");
    }

    @Test
    void keyringCheckReportsAKeyARunUidAdded() throws Exception {
        HostCheck check = new KeyringCheck(run.backend());
        check.before();
        python("import ctypes; print(ctypes.CDLL(None).syscall(248, b'user', b'execq-planted', b'x', 1, -4))");

        List<String> violations = check.after();

        assertThat(violations).singleElement().asString().startsWith("uid " + RUN_UID + " owns ");
    }

    @Test
    void markerPathsCheckReportsAndDeletesAPathNamedWithTheMarker() throws Exception {
        HostCheck check = new MarkerPathsCheck(run);
        check.before();
        Path planted = Files.createDirectories(Path.of("/var/tmp", run.marker() + "-planted", "inner"));

        List<String> violations = check.after();

        assertThat(violations).containsExactly("host path " + planted.getParent() + " was left by a run");
        assertThat(planted.getParent()).doesNotExist();
    }

    @Test
    void canaryCheckReportsAChangedBaitAndLaysItAgain() throws Exception {
        HostCheck check = new CanaryCheck(bait);
        check.before();
        List<String> before = bait.fingerprint();
        Path secret = Path.of(bait.env().get("CANARY_SECRET"));
        Files.setAttribute(secret, "unix:uid", RUN_UID);

        List<String> violations = check.after();

        assertThat(violations).anySatisfy(v -> assertThat(v).startsWith("host bait changed: now secret uid=" + RUN_UID));
        assertThat(bait.fingerprint()).isEqualTo(before);
    }

    @Test
    void hostFilesCheckReportsAWatchedFileThatChanged(@TempDir Path dir) throws Exception {
        Path watched = Files.writeString(dir.resolve("watched"), "original");
        HostCheck check = new HostFilesCheck(List.of(watched));
        check.before();
        Files.writeString(watched, "replaced");

        assertThat(check.after()).singleElement().asString().startsWith("host file " + watched + " changed: was ");
    }

    @Test
    void listenerCheckReportsSomethingListeningOnTheCasePort() throws Exception {
        HostCheck check = new ListenerCheck(run);
        check.before();
        try (ServerSocket listener = new ServerSocket(run.port(), 1, InetAddress.getLoopbackAddress())) {
            assertThat(check.after()).containsExactly(
                    "something accepts connections on 127.0.0.1:" + run.port() + " after the run");
        }
    }

    @Test
    void victimCheckReportsAKilledVictim() throws Exception {
        bait.restartVictimIfGone();
        HostCheck check = new VictimCheck(bait);
        check.before();
        long victim = bait.victimPid();
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).until(() -> HostProcess.of(victim).filter(p -> p.state() != 'Z').isEmpty());

        assertThat(check.after()).containsExactly(
                "the host victim process " + victim + " (uid " + HostBait.VICTIM_UID + ") was killed");
    }

    @Test
    void victimCheckReportsAStoppedVictim() throws Exception {
        bait.restartVictimIfGone();
        HostCheck check = new VictimCheck(bait);
        check.before();
        long victim = bait.victimPid();
        new ProcessBuilder("kill", "-STOP", Long.toString(victim)).start().waitFor(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> HostProcess.of(victim).map(HostProcess::state).orElse('?') == 'T');

        assertThat(check.after()).containsExactly("the host victim process " + victim + " was stopped");
    }

    private static Process asRunUid(String... argv) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("setpriv", "--reuid", Integer.toString(RUN_UID),
                "--regid", Integer.toString(RUN_UID), "--clear-groups", "--"));
        command.addAll(List.of(argv));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void python(String code) throws Exception {
        Process p = asRunUid("/usr/bin/python3", "-c", code);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    /** A process-like backend whose runs would have the uids of this test's range. */
    private static final class PlantedBackend implements CorpusBackend {

        @Override
        public String name() {
            return "process";
        }

        @Override
        public Sandbox sandbox() {
            throw new UnsupportedOperationException("no sandbox: the leaks are planted by the test");
        }

        @Override
        public IntPredicate runUid() {
            return uid -> uid >= FIRST_UID && uid <= LAST_UID;
        }

        @Override
        public boolean belongsToARun(HostProcess process, Set<HostProcess.Key> before) {
            return runUid().test(process.uid());
        }

        @Override
        public void settle() {
        }

        @Override
        public List<String> leftovers(List<String> requestIds) {
            return List.of();
        }
    }
}
