package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxContractTest;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Protection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract suite against the util-linux chain a host without bubblewrap gets ({@code unshare} instead of
 * {@code bwrap}; cgroups and the tmpfs workspace as with bwrap), so both wrapper paths stay tested on one machine.
 */
class ProcessSandboxUnshareIT extends SandboxContractTest {

    private static ProcessSandboxFixture fixture;
    private static RunUsers users;
    private static HostCapabilities caps;
    private static ProcessSandbox sandbox;

    @BeforeAll
    static void create() throws Exception {
        fixture = ProcessSandboxFixture.create("execq-unshare-it-", HostCapabilities.probe().withoutBwrap());
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
        // What only bubblewrap gives: private /tmp, a read-only root, capped tmpfs mounts, the seccomp filter.
        return EnumSet.complementOf(EnumSet.of(Protection.UNKNOWN, Protection.PRIVATE_TMP, Protection.READ_ONLY_ROOT_FS,
                Protection.TMPFS_LIMIT, Protection.SECCOMP_FILTER, Protection.USER_NAMESPACES_BLOCKED));
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
        assertThat(outcome.oomKilled()).isTrue();
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.exitCode()).hasValue(137);
        // util-linux 2.38's unshare prints "sigprocmask unblock failed" when its child dies of SIGKILL: not here.
        assertThat(outcome.stderr().text()).isEmpty();
    }

    @Test
    void namesUnshareAsItsRuntimeAndNoSeccompProfile() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("true"));

        assertThat(outcome.runtime()).hasValue("unshare");
        assertThat(outcome.seccompProfile()).isEmpty();
    }

    @Test
    void aTimedOutRunsOutputHoldsNothingOfTheWrapper() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec(new SandboxLimits(Duration.ofSeconds(1), LIMITS.memoryBytes(), 1000, 64, 4096),
                // exec: no shell of the program's own is left to report its child's SIGKILL ("Killed"), which is
                // the program's output, not the wrapper's; whichever process the kill reaches first (seen in CI).
                "sh", "-c", "echo started; echo err >&2; sleep 100 & exec sleep 100"));

        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.stdout().text()).isEqualTo("started\n");
        assertThat(outcome.stderr().text()).isEqualTo("err\n");
    }
}
