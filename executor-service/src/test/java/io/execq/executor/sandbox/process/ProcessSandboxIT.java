package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxContractTest;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract suite against real host processes (this machine: root, util-linux present). */
class ProcessSandboxIT extends SandboxContractTest {

    private static ProcessSandboxFixture fixture;
    private static RunUsers users;
    private static HostCapabilities caps;
    private static ProcessSandbox sandbox;

    @BeforeAll
    static void create() throws Exception {
        fixture = ProcessSandboxFixture.create("execq-it-", HostCapabilities.probe());
        users = fixture.users;
        caps = fixture.caps;
        sandbox = fixture.sandbox;
    }

    @AfterAll
    static void close() throws Exception {
        fixture.close();
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
        // This machine has bubblewrap, cgroup v1 memory/pids/cpu and tmpfs mounts: everything.
        return EnumSet.complementOf(EnumSet.of(Protection.UNKNOWN));
    }

    @Override
    protected boolean isRunUid(long uid) {
        return users.contains((int) uid);
    }

    @Override
    protected void assertNothingLeftBehind() throws Exception {
        fixture.assertNothingLeftBehind();
    }

    @Override
    protected void assertMemoryBombContained(SandboxOutcome outcome) {
        // The run's memory cgroup: the kernel OOM-kills the shell, and the cgroup's oom_kill count says so.
        assertThat(outcome.oomKilled()).isTrue();
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.exitCode()).hasValue(137);
    }

    @Test
    void workspaceIsPrivateToTheRunUser() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "stat -c '%a %u' \"$HOME\""));

        String[] modeAndOwner = outcome.stdout().text().trim().split(" ");
        assertThat(modeAndOwner[0]).isEqualTo("700");
        assertThat(users.contains(Integer.parseInt(modeAndOwner[1]))).as("owner %s is a run uid", modeAndOwner[1]).isTrue();
    }

    @Test
    void aForkBombAtItsPidsLimitDoesNotStopAConcurrentRunFromForking() throws Exception {
        SandboxLimits bombLimits = new SandboxLimits(Duration.ofSeconds(8), LIMITS.memoryBytes(), 1000, 16, 4096);
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            // bash retries a failed fork for a while instead of exiting at once (dash exits), so the bomb stays at
            // its limit for seconds; its stderr proves it hit the limit.
            Future<SandboxOutcome> bomb = background.submit(() -> sandbox.run(spec(bombLimits,
                    "bash", "-c", "id -u; while true; do sleep 5 & done")));
            int bombUid = await().atMost(Duration.ofSeconds(5)).until(ProcessSandboxIT::uidAtSixteenProcesses, OptionalInt::isPresent)
                    .getAsInt();

            SandboxOutcome other = sandbox.run(spec(new SandboxLimits(Duration.ofSeconds(10), LIMITS.memoryBytes(), 1000, 4, 4096),
                    "sh", "-c", "id -u; sleep 0.1 & wait; echo ok"));
            boolean bombStillAtItsLimit = ProcUids.pidsOf(uid -> uid == bombUid).size() >= 16;
            SandboxOutcome bombOutcome = bomb.get(30, TimeUnit.SECONDS);

            List<String> otherLines = other.stdout().text().lines().toList();
            assertThat(other.exitCode()).hasValue(0);
            assertThat(other.stderr().text()).isEmpty();
            assertThat(otherLines).hasSize(2).last().isEqualTo("ok");
            int otherUid = Integer.parseInt(otherLines.get(0));
            assertThat(otherUid).isNotEqualTo(bombUid);
            assertThat(bombStillAtItsLimit).as("the bomb was still at its limit when the other run ended").isTrue();
            assertThat(bombOutcome.stderr().text()).contains("fork: ", "Resource temporarily unavailable");
            assertThat(bombOutcome.stdout().text()).isEqualTo(bombUid + "\n");
            assertThat(ProcUids.pidsOf(uid -> uid == bombUid || uid == otherUid)).isEmpty();
        } finally {
            background.shutdownNow();
        }
    }

    /** The run uid that has reached 16 processes, if any. */
    private static OptionalInt uidAtSixteenProcesses() {
        Map<Integer, Long> processesByUid = ProcUids.pidsOf(users::contains).stream()
                .map(ProcessSandboxIT::realUid)
                .collect(Collectors.groupingBy(uid -> uid, Collectors.counting()));
        return processesByUid.entrySet().stream().filter(e -> e.getValue() >= 16)
                .mapToInt(Map.Entry::getKey).findFirst();
    }

    private static int realUid(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("Uid:"))
                    .map(line -> Integer.parseInt(line.split("\\s+")[1]))
                    .findFirst().orElse(-1);
        } catch (java.io.IOException e) {
            return -1; // exited meanwhile
        }
    }

    @Test
    void killsAChildThatStartedItsOwnSessionAtTheTimeout() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec(new io.execq.executor.sandbox.SandboxLimits(
                java.time.Duration.ofSeconds(2), LIMITS.memoryBytes(), 1000, 64, 4096),
                "sh", "-c", "setsid sleep 1000 & wait"));

        assertThat(outcome.timedOut()).isTrue();
    }
}
