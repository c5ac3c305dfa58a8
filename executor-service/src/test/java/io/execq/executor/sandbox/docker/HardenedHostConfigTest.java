package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HardenedHostConfigTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(5), 256L << 20, 1500, 48, 4096);
    private final HostConfig config = HardenedHostConfig.hostConfig(LIMITS, Optional.of("execq-vol"));

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
        assertThat(config.getSecurityOpts()).containsExactly("no-new-privileges");
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
    void givesASmallNoexecTmpfsForTmp() {
        assertThat(config.getTmpFs()).isEqualTo(Map.of("/tmp", "rw,noexec,nosuid,nodev,size=64m"));
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
        HostConfig withoutVolume = HardenedHostConfig.hostConfig(LIMITS, Optional.empty());

        assertThat(withoutVolume.getMounts()).isEmpty();
        assertThat(withoutVolume.getTmpFs()).isEqualTo(Map.of(
                "/tmp", "rw,noexec,nosuid,nodev,size=64m",
                "/execq/work", "rw,exec,nosuid,nodev,size=64m,uid=65534,gid=65534,mode=0700"));
    }

    @Test
    void runsAsNobodyWithLabelsForTheReaper() {
        SandboxSpec spec = SandboxSpec.of("req-7", "exec-3", "img", List.of("true"), LIMITS);
        CreateContainerCmdImpl cmd = new CreateContainerCmdImpl(command -> null, null, "img");

        HardenedHostConfig.harden(cmd, LIMITS, HardenedHostConfig.labels(spec, Instant.ofEpochMilli(1234)),
                Optional.of("execq-vol"));

        assertThat(cmd.getUser()).isEqualTo("65534:65534");
        assertThat(cmd.getLabels()).isEqualTo(Map.of(
                "execq.managed", "true",
                "execq.request-id", "req-7",
                "execq.executor-id", "exec-3",
                "execq.created-at", "1234"));
        assertThat(cmd.getHostConfig()).isEqualTo(HardenedHostConfig.hostConfig(LIMITS, Optional.of("execq-vol")));
    }

    @Test
    void runsUnderDockersInitWithTheDeadlineHelperAndRaisesThePidsLimitByItsProcesses() {
        HostConfig supervised = HardenedHostConfig.supervised(
                HardenedHostConfig.hostConfig(LIMITS, Optional.of("execq-vol")),
                RunDeadline.probe(RunDeadline.DEFAULT_HELPER));

        assertThat(supervised.getInit()).isTrue();
        assertThat(supervised.getMounts()).extracting(Mount::getTarget).containsExactly("/execq", "/.execq/busybox");
        assertThat(supervised.getMounts().get(1).getReadOnly()).isTrue();
        assertThat(supervised.getPidsLimit()).isEqualTo(48L + 3);
        HostConfig plain = HardenedHostConfig.supervised(HardenedHostConfig.hostConfig(LIMITS, Optional.empty()),
                RunDeadline.none());
        assertThat(plain.getInit()).isTrue();
        assertThat(plain.getMounts()).isEmpty();
        assertThat(plain.getPidsLimit()).isEqualTo(48L + 2);
    }
}
