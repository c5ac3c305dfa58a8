package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.schema.Protection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ProcessCommandTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofMillis(2500), 64L << 20, 1000, 16, 4096);
    private static final HostCapabilities ALL = new HostCapabilities(Optional.of(Path.of("/usr/bin/setsid")),
            Optional.of(Path.of("/usr/bin/prlimit")), Optional.of(Path.of("/usr/bin/setpriv")),
            Optional.of(Path.of("/usr/bin/unshare")), Optional.of(Path.of("/usr/bin/kill")), true);
    private static final HostCapabilities NOTHING = new HostCapabilities(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), true);

    @Test
    void wrapsTheProgramInEveryAvailableTool() {
        assertThat(ProcessCommand.argv(ALL, LIMITS, OptionalInt.of(2_000_000_123), List.of("sh", "-c", "echo $HOME"))).containsExactly(
                "/usr/bin/setsid",
                "/usr/bin/unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--",
                "/usr/bin/prlimit", "--as=67108864", "--nproc=16", "--fsize=67108864", "--nofile=256", "--cpu=4", "--",
                "/usr/bin/setpriv", "--reuid", "2000000123", "--regid", "2000000123", "--clear-groups",
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
                "sh", "-c", "echo $HOME");
    }

    @Test
    void runsTheProgramBareWhenNoToolExists() {
        assertThat(ProcessCommand.argv(NOTHING, LIMITS, OptionalInt.empty(), List.of("id"))).containsExactly("id");
    }

    @Test
    void refusesToSwitchUsersWithoutARunUid() {
        assertThatThrownBy(() -> ProcessCommand.argv(ALL, LIMITS, OptionalInt.empty(), List.of("id")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a run uid is required to switch users with /usr/bin/setpriv");
    }

    @Test
    void claimsOnlyWhatItsToolsApplyForRootWithoutTools() {
        assertThat(ProcessCommand.protections(NOTHING)).containsExactlyInAnyOrder(
                Protection.PRIVATE_WORKSPACE, Protection.CLEARED_ENVIRONMENT, Protection.OUTPUT_CAP);
    }

    @Test
    void doesNotClaimAPidsLimitForRootWithoutAUserSwitch() {
        HostCapabilities rootWithoutSetpriv = new HostCapabilities(Optional.empty(), Optional.of(Path.of("/usr/bin/prlimit")),
                Optional.empty(), Optional.empty(), Optional.empty(), true);

        assertThat(ProcessCommand.protections(rootWithoutSetpriv)).doesNotContain(Protection.PIDS_LIMIT, Protection.NON_ROOT_USER)
                .contains(Protection.MEMORY_LIMIT, Protection.CPU_TIME_LIMIT);
    }

    @Test
    void roundsCpuSecondsUpAndAddsOne() {
        assertThat(ProcessCommand.cpuSeconds(LIMITS)).isEqualTo(4);
    }
}
