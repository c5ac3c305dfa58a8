package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.VolumeOptions;
import com.github.dockerjava.core.command.CreateContainerCmdImpl;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.Protection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HardenedHostConfigTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(5), 256L << 20, 1500, 48, 4096);
    private final HardenedHostConfig hardening = HardenedHostConfig.defaults();
    private final HostConfig config = hardening.hostConfig(LIMITS, Optional.of("execq-vol"));

    @Test
    void allowsNoNetwork() {
        assertThat(config.getNetworkMode()).isEqualTo("none");
    }

    @Test
    void mountsTheRootFileSystemReadOnly() {
        assertThat(config.getReadonlyRootfs()).isTrue();
    }

    @Test
    void dropsEveryCapabilityAndForbidsNewPrivileges() {
        assertThat(config.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(config.getCapAdd()).isNull();
        assertThat(config.getSecurityOpts()).containsExactly("no-new-privileges",
                "seccomp=" + SeccompProfiles.execqDefault().json());
        assertThat(config.getPrivileged()).isNull();
    }

    @Test
    void limitsPidsMemoryWithoutSwapAndCpu() {
        assertThat(config.getPidsLimit()).isEqualTo(48L);
        assertThat(config.getMemory()).isEqualTo(256L << 20);
        assertThat(config.getMemorySwap()).isEqualTo(256L << 20);
        assertThat(config.getNanoCPUs()).isEqualTo(1_500_000_000L);
    }

    @Test
    void givesASmallNoexecInodeLimitedTmpfsForTmp() {
        assertThat(config.getTmpFs()).isEqualTo(Map.of("/tmp", "rw,noexec,nosuid,nodev,size=64m,nr_inodes=8192"));
    }

    @Test
    void appliesExecqsSeccompProfileOrTheOperatorsAndClaimsWhatEachGuarantees() {
        SeccompProfile file = new SeccompProfile("file:p.json@sha256:0123456789ab", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
                false);
        HardenedHostConfig operators = new HardenedHostConfig(file, 1L << 30, Optional.empty());

        assertThat(operators.hostConfig(LIMITS, Optional.empty()).getSecurityOpts())
                .containsExactly("no-new-privileges", "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        assertThat(hardening.protections()).contains(Protection.SECCOMP_FILTER, Protection.WORKSPACE_LIMIT,
                Protection.USER_NAMESPACES_BLOCKED);
        assertThat(operators.protections()).contains(Protection.SECCOMP_FILTER, Protection.WORKSPACE_LIMIT)
                .doesNotContain(Protection.USER_NAMESPACES_BLOCKED);
    }

    @Test
    void leavesTheRuntimeToDockerdUnlessOneIsNamed() {
        assertThat(config.getRuntime()).isNull();
        assertThat(hardening.runtimeName()).isEqualTo("runc");
        HardenedHostConfig gvisor = hardening.withRuntime("runsc");

        assertThat(gvisor.hostConfig(LIMITS, Optional.empty()).getRuntime()).isEqualTo("runsc");
        assertThat(gvisor.runtimeName()).isEqualTo("runsc");
        assertThat(gvisor.seccomp()).isSameAs(hardening.seccomp());
    }

    @Test
    void givesGvisorItsOwnThreadsOnTopOfThePidsLimitAndItsVariantOfExecqsProfile() {
        HardenedHostConfig gvisor = hardening.withRuntime(new DockerRuntimes.Runtime("runsc", true));
        HostConfig host = gvisor.hostConfig(LIMITS, Optional.empty());

        assertThat(host.getRuntime()).isEqualTo("runsc");
        assertThat(host.getPidsLimit()).isEqualTo(64L + 10L * 48);
        assertThat(gvisor.seccomp()).isSameAs(SeccompProfiles.forGvisor(SeccompProfiles.execqDefault()));
        assertThat(gvisor.seccomp().name()).isEqualTo("execq-default");
        assertThat(gvisor.seccomp().json()).isNotEqualTo(SeccompProfiles.execqDefault().json());
    }

    @Test
    void capsTheWorkspaceInBytesAndInodesForBothKindsOfWorkspace() {
        HardenedHostConfig capped = new HardenedHostConfig(SeccompProfiles.execqDefault(), 100L << 20, Optional.empty());

        io.execq.executor.sandbox.SandboxLimits roomy = new io.execq.executor.sandbox.SandboxLimits(
                java.time.Duration.ofSeconds(5), 1L << 30, 1000, 64, 1 << 20);
        assertThat(capped.workspaceTmpfsOptions(roomy))
                .isEqualTo("rw,exec,nosuid,nodev,size=104857600,nr_inodes=65536,uid=65534,gid=65534,mode=0700");
        assertThat(capped.workspaceVolumeOptions(roomy)).isEqualTo(Map.of("type", "tmpfs", "device", "tmpfs",
                "o", "nosuid,nodev,size=104857600,nr_inodes=65536,uid=65534,gid=65534,mode=0700"));
        // A workspace is memory: it holds at most half the run's memory limit, so filling it ends in ENOSPC.
        io.execq.executor.sandbox.SandboxLimits small = new io.execq.executor.sandbox.SandboxLimits(
                java.time.Duration.ofSeconds(5), 64L << 20, 1000, 64, 1 << 20);
        assertThat(capped.workspaceTmpfsOptions(small)).contains("size=" + (32L << 20) + ",");
        assertThat(hardening.workspaceBytes()).isEqualTo(512L << 20);
        assertThatThrownBy(() -> new HardenedHostConfig(SeccompProfiles.execqDefault(), 1000, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workspace cap must be at least 1 MiB, got 1000");
    }

    @Test
    void limitsOpenFilesAndFileSize() {
        assertThat(config.getUlimits()).containsExactly(
                new Ulimit("nofile", 256L, 256L),
                new Ulimit("fsize", 64L << 20, 64L << 20));
    }

    @Test
    void discardsLogsSoFloodsCannotFillTheDaemonDisk() {
        assertThat(config.getLogConfig().getType()).isEqualTo(LogConfig.LoggingType.NONE);
    }

    @Test
    void mountsOnlyTheRunVolumeWithoutCopyingImageContent() {
        assertThat(config.getMounts()).containsExactly(new Mount()
                .withType(MountType.VOLUME)
                .withSource("execq-vol")
                .withTarget("/execq")
                .withVolumeOptions(new VolumeOptions().withNoCopy(true)));
        assertThat(config.getBinds()).isEmpty();
        assertThat(config.getIpcMode()).isEqualTo("private");
    }

    @Test
    void givesARunWithoutVolumeAPrivateSizeLimitedTmpfsWorkspace() {
        HostConfig withoutVolume = hardening.hostConfig(LIMITS, Optional.empty());

        assertThat(withoutVolume.getMounts()).isEmpty();
        assertThat(withoutVolume.getTmpFs()).isEqualTo(Map.of(
                "/tmp", "rw,noexec,nosuid,nodev,size=64m,nr_inodes=8192",
                "/execq/work", "rw,exec,nosuid,nodev,size=" + (128L << 20)
                        + ",nr_inodes=65536,uid=65534,gid=65534,mode=0700")); // half of LIMITS' 256 MiB, under the cap
    }

    @Test
    void runsAsNobodyWithLabelsForTheReaper() {
        SandboxSpec spec = SandboxSpec.of("req-7", "exec-3", "img", List.of("true"), LIMITS);
        CreateContainerCmdImpl cmd = new CreateContainerCmdImpl(command -> null, null, "img");

        hardening.harden(cmd, LIMITS, HardenedHostConfig.labels(spec, Instant.ofEpochMilli(1234)),
                Optional.of("execq-vol"));

        assertThat(cmd.getUser()).isEqualTo("65534:65534");
        assertThat(cmd.getLabels()).isEqualTo(Map.of(
                "execq.managed", "true",
                "execq.request-id", "req-7",
                "execq.executor-id", "exec-3",
                "execq.created-at", "1234"));
        assertThat(cmd.getHostConfig()).isEqualTo(hardening.hostConfig(LIMITS, Optional.of("execq-vol")));
    }

    @Test
    void runsUnderDockersInitWithTheDeadlineHelperAndRaisesThePidsLimitByItsProcesses() {
        HostConfig supervised = HardenedHostConfig.supervised(
                hardening.hostConfig(LIMITS, Optional.of("execq-vol")),
                RunDeadline.probe(RunDeadline.DEFAULT_HELPER));

        assertThat(supervised.getInit()).isTrue();
        assertThat(supervised.getMounts()).extracting(Mount::getTarget).containsExactly("/execq", "/.execq/busybox");
        assertThat(supervised.getMounts().get(1).getReadOnly()).isTrue();
        assertThat(supervised.getPidsLimit()).as("Docker's init and the watcher").isEqualTo(48L + 2);
        HostConfig plain = HardenedHostConfig.supervised(hardening.hostConfig(LIMITS, Optional.empty()),
                RunDeadline.none());
        assertThat(plain.getInit()).isTrue();
        assertThat(plain.getMounts()).isEmpty();
        assertThat(plain.getPidsLimit()).as("Docker's init").isEqualTo(48L + 1);
    }
}
