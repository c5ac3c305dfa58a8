package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.Protection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Sandbox} must show, run against the real runtime by each implementation's *IT.
 * Subclasses provide the sandbox and the backend-specific facts (baseline environment, how to prove nothing
 * was left behind, how a memory bomb ends).
 */
public abstract class SandboxContractTest {

    protected static final String EXECUTOR_ID = "it-" + UUID.randomUUID();
    protected static final Duration TIMEOUT = Duration.ofSeconds(20);
    protected static final SandboxLimits LIMITS = new SandboxLimits(TIMEOUT, 128L * 1024 * 1024, 1000, 64, 1024 * 1024);
    protected static final SandboxLimits FORK_BOMB_LIMITS = new SandboxLimits(Duration.ofSeconds(5), LIMITS.memoryBytes(), 1000, 32, 4096);
    protected static final SandboxLimits MEMORY_BOMB_LIMITS = new SandboxLimits(Duration.ofSeconds(15), 32L * 1024 * 1024, 1000, 64, 4096);

    /** The sandbox under test, shared by the class. */
    protected abstract Sandbox sandbox();

    /** The image specs name (ignored by the process sandbox). */
    protected abstract String image();

    /** Environment keys the sandbox itself sets, beyond the request's. */
    protected abstract Set<String> baselineEnvKeys();

    /** The protections this sandbox must claim on this machine. */
    protected abstract Set<Protection> expectedProtections();

    /** Fails when a container, volume, process or workspace of a run survived it. */
    protected abstract void assertNothingLeftBehind() throws Exception;

    /** Asserts how a memory bomb ends in this sandbox. */
    protected abstract void assertMemoryBombContained(SandboxOutcome outcome);

    /** Whether {@code uid} is one a run of this sandbox may be given (never 0). */
    protected abstract boolean isRunUid(long uid);

    protected SandboxSpec spec(String... argv) {
        return SandboxSpec.of("req-" + UUID.randomUUID(), EXECUTOR_ID, image(), List.of(argv), LIMITS);
    }

    protected SandboxSpec spec(SandboxLimits limits, String... argv) {
        return SandboxSpec.of("req-" + UUID.randomUUID(), EXECUTOR_ID, image(), List.of(argv), limits);
    }

    @AfterEach
    void leavesNothingBehind() throws Exception {
        assertNothingLeftBehind();
    }

    @Test
    void claimsExactlyTheProtectionsItApplies() {
        assertThat(sandbox().protections()).containsExactlyInAnyOrderElementsOf(expectedProtections());
    }

    @Test
    void echoesArgumentsToStdout() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("echo", "hello", "world"));

        assertThat(outcome.exitCode()).hasValue(0);
        assertThat(outcome.stdout().text()).isEqualTo("hello world\n");
        assertThat(outcome.stderr()).isEqualTo(CapturedStream.EMPTY);
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.oomKilled()).isFalse();
        assertThat(outcome.backend()).isEqualTo(sandbox().backend());
        assertThat(outcome.protections()).isEqualTo(sandbox().protections());
        assertThat(outcome.finishedAt()).isAfterOrEqualTo(outcome.startedAt());
    }

    @Test
    void passesArgumentsVerbatimWithoutAShell() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("echo", "$HOME", "a b", "*", "`id`"));

        assertThat(outcome.stdout().text()).isEqualTo("$HOME a b * `id`\n");
    }

    @Test
    void reportsNonZeroExitCodeAsAValue() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("sh", "-c", "exit 3"));

        assertThat(outcome.exitCode()).hasValue(3);
        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.timedOut()).isFalse();
    }

    @Test
    void capturesStdoutAndStderrSeparately() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("sh", "-c", "echo out; echo err >&2; echo out2"));

        assertThat(outcome.stdout().text()).isEqualTo("out\nout2\n");
        assertThat(outcome.stderr().text()).isEqualTo("err\n");
    }

    @Test
    void feedsStdinUntilEndOfFile() throws Exception {
        byte[] stdin = new byte[100_000];
        Arrays.fill(stdin, (byte) 'x');

        SandboxOutcome outcome = sandbox().run(spec("wc", "-c").withStdin(stdin));

        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.stdout().text().trim()).isEqualTo("100000");
    }

    @Test
    void givesEmptyStdinAsImmediateEndOfFile() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("cat"));

        assertThat(outcome.exitCode()).hasValue(0);
        assertThat(outcome.stdout().totalBytes()).isZero();
    }

    @Test
    void placesFilesInTheWorkspaceAndHonoursTheWorkingDir() throws Exception {
        SandboxSpec spec = spec("sh", "-c", "cat in.txt && ../run.sh && test \"$PWD\" = \"$HOME/data\" && echo pwd-ok && echo new > made.txt && cat made.txt")
                .withFiles(List.of(
                        new SandboxFile("run.sh", "#!/bin/sh\necho script-ran\n".getBytes(StandardCharsets.UTF_8), true),
                        new SandboxFile("data/in.txt", "payload\n".getBytes(StandardCharsets.UTF_8), false)),
                        Optional.of("data"));

        SandboxOutcome outcome = sandbox().run(spec);

        assertThat(outcome.stderr().text()).isEmpty();
        assertThat(outcome.stdout().text()).isEqualTo("payload\nscript-ran\npwd-ok\nnew\n");
        assertThat(outcome.exitCode()).hasValue(0);
    }

    @Test
    void aMissingProgramIsTheUsersFailureWithExit127AndTheReason() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("no-such-program-xq", "arg"));

        assertThat(outcome.exitCode()).hasValue(SandboxOutcome.EXIT_NOT_FOUND);
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.startFailure()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("no-such-program-xq").containsIgnoringCase("not found"));
    }

    @Test
    void aProgramWithoutTheExecuteBitIsTheUsersFailureWithExit126() throws Exception {
        SandboxSpec spec = spec("./tool.sh").withFiles(List.of(
                new SandboxFile("tool.sh", "#!/bin/sh\necho ran\n".getBytes(StandardCharsets.UTF_8), false)),
                Optional.empty());

        SandboxOutcome outcome = sandbox().run(spec);

        assertThat(outcome.exitCode()).hasValue(SandboxOutcome.EXIT_CANNOT_EXECUTE);
        assertThat(outcome.stdout().text()).isEmpty();
        assertThat(outcome.startFailure()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("tool.sh").containsIgnoringCase("permission denied"));
    }

    @Test
    void aProgramThatRanAndExited127IsNotTakenForAStartFailure() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("sh", "-c", "echo sh: x: not found >&2; exit 127"));

        assertThat(outcome.exitCode()).hasValue(127);
        assertThat(outcome.startFailure()).isEmpty();
    }

    @Test
    void startsInTheWorkspaceByDefault() throws Exception {
        SandboxSpec spec = spec("sh", "-c", "test \"$PWD\" = \"$HOME\" && cat a.txt")
                .withFiles(List.of(new SandboxFile("a.txt", "A".getBytes(StandardCharsets.UTF_8), false)), Optional.empty());

        SandboxOutcome outcome = sandbox().run(spec);

        assertThat(outcome.stdout().text()).isEqualTo("A");
        assertThat(outcome.exitCode()).hasValue(0);
    }

    @Test
    void passesRequestEnvAndNothingFromTheExecutor() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("env").withEnv(Map.of("EXECQ_MARKER", "m-1 with space")));

        Map<String, String> env = outcome.stdout().text().lines()
                .map(line -> line.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
        Set<String> expectedKeys = new HashSet<>(baselineEnvKeys());
        expectedKeys.add("EXECQ_MARKER");
        assertThat(env.keySet()).containsExactlyInAnyOrderElementsOf(expectedKeys);
        assertThat(env).containsEntry("EXECQ_MARKER", "m-1 with space").containsEntry("LANG", "C.UTF-8");
    }

    @Test
    void runsAsTheUnprivilegedUser() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("id", "-u"));

        assertThat(outcome.stdout().text()).matches("[0-9]+\n");
        long uid = Long.parseLong(outcome.stdout().text().trim());
        assertThat(uid).isNotZero();
        assertThat(isRunUid(uid)).as("uid %d is a run uid", uid).isTrue();
    }

    @Test
    void seesOnlyTheLoopbackInterface() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("cat", "/proc/net/dev"));

        List<String> interfaces = outcome.stdout().text().lines()
                .filter(line -> line.contains(":"))
                .map(line -> line.substring(0, line.indexOf(':')).trim())
                .collect(Collectors.toList());
        assertThat(interfaces).containsExactly("lo");
    }

    @Test
    void refusesWritesOutsideTheWorkspace() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec("sh", "-c", "echo x > /etc/execq-owned"));

        assertThat(outcome.exitCode()).isPresent();
        assertThat(outcome.exitCode().getAsInt()).isNotZero();
        assertThat(outcome.stderr().text()).containsAnyOf("Read-only file system", "Permission denied");
    }

    @Test
    void truncatesAnOutputFloodAtTheCapAndCountsTheRest() throws Exception {
        SandboxLimits limits = new SandboxLimits(TIMEOUT, LIMITS.memoryBytes(), 1000, 64, 65_536);

        SandboxOutcome outcome = sandbox().run(spec(limits, "head", "-c", "5000000", "/dev/zero"));

        assertThat(outcome.exitCode()).hasValue(0);
        assertThat(outcome.stdout().kept()).hasSize(65_536);
        assertThat(outcome.stdout().totalBytes()).isEqualTo(5_000_000);
        assertThat(outcome.stdout().truncated()).isTrue();
    }

    @Test
    void killsATreeThatIgnoresSigtermAtTheTimeout() throws Exception {
        Duration timeout = Duration.ofSeconds(2);
        SandboxLimits limits = new SandboxLimits(timeout, LIMITS.memoryBytes(), 1000, 64, 65_536);
        long start = System.nanoTime();

        SandboxOutcome outcome = sandbox().run(spec(limits, "sh", "-c",
                "trap '' TERM; sleep 1000 & sleep 1000 & echo started; wait"));

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.exitCode()).isEmpty();
        assertThat(outcome.stdout().text()).isEqualTo("started\n");
        assertThat(took).isBetween(timeout, timeout.plusSeconds(8));
    }

    @Test
    void leavesNoDaemonBehindWhenTheProgramExitsAtOnce() throws Exception {
        // The program succeeds at once, leaving a detached grandchild in a session of its own: the run must still
        // end with nothing of it left (checked after each test by assertNothingLeftBehind).
        SandboxOutcome outcome = sandbox().run(spec("sh", "-c",
                "setsid sh -c 'sleep 300' </dev/null >/dev/null 2>&1 & (sleep 300 </dev/null >/dev/null 2>&1 &); "
                        + "echo detached"));

        assertThat(outcome.exitCode()).hasValue(0);
        assertThat(outcome.stdout().text()).isEqualTo("detached\n");
    }

    @Test
    void containsAForkBombWithThePidsLimit() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec(FORK_BOMB_LIMITS, "sh", "-c", "bomb() { bomb | bomb & }; bomb; wait"));

        assertThat(outcome.timedOut() || outcome.exitCode().isPresent()).isTrue();
        assertThat(sandbox().healthy()).isTrue();
        assertThat(sandbox().run(spec("echo", "still-alive")).stdout().text()).isEqualTo("still-alive\n");
    }

    @Test
    void containsAMemoryBomb() throws Exception {
        SandboxOutcome outcome = sandbox().run(spec(MEMORY_BOMB_LIMITS, "sh", "-c", "x=a; while true; do x=$x$x; done"));

        assertMemoryBombContained(outcome);
    }
}
