package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.VolumeOptions;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.Protection;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every hardening setting of a sandbox container, in one place. Nothing else in the code base sets a security
 * relevant container option; a reviewer reads this class to know what a run is allowed to do.
 *
 * <p>The settings, and why:
 * <ul>
 *   <li>network mode {@code none}: only a loopback interface, no egress;</li>
 *   <li>read-only root fs, writable only: the workspace and a size-limited, noexec {@code /tmp}; the workspace is
 *       the run's volume when files must be copied in before start, else a size-limited tmpfs owned by the run
 *       user ({@link #WORKSPACE_TMPFS_OPTIONS}), which needs no volume and no copy;</li>
 *   <li>{@code cap-drop ALL} and {@code no-new-privileges}: no capability, no setuid escalation;</li>
 *   <li>user {@code 65534:65534} (nobody): never root inside the container;</li>
 *   <li>pids limit, memory with memory+swap equal to it (no swap), CPU quota from milliCpus;</li>
 *   <li>ulimits {@code nofile} and {@code fsize};</li>
 *   <li>log driver {@code none}: output is captured through the attach stream, so a flood cannot fill the
 *       daemon's disk through json-file logs;</li>
 *   <li>labels {@code execq.managed}, {@code execq.request-id}, {@code execq.executor-id},
 *       {@code execq.created-at} (and the {@link GroupScope}'s) so the {@link OrphanReaper} can find what a crashed
 *       executor left;</li>
 *   <li>Docker's init as PID 1 and the {@link RunDeadline} helper ({@link #supervised}): the program is not the
 *       namespace's init, and the container stops at its timeout plus a margin even when no executor watches.</li>
 * </ul>
 */
public final class HardenedHostConfig {

    public static final String RUN_USER = "65534:65534";
    public static final String TMPFS_OPTIONS = "rw,noexec,nosuid,nodev,size=64m";
    /** The workspace of a run without files: private to the run user, executable (programs may build binaries). */
    public static final String WORKSPACE_TMPFS_OPTIONS = "rw,exec,nosuid,nodev,size=64m,uid=65534,gid=65534,mode=0700";
    public static final long NOFILE_LIMIT = 256;
    public static final long FSIZE_LIMIT_BYTES = 64L * 1024 * 1024;
    public static final String NO_NEW_PRIVILEGES = "no-new-privileges";

    /** Where the per-run volume is mounted; the workspace is a 65534-owned directory inside it. */
    public static final String VOLUME_MOUNT = "/execq";
    /** The workspace inside the container: default working dir and {@code HOME}. */
    public static final String WORKSPACE = VOLUME_MOUNT + "/work";

    public static final String LABEL_MANAGED = "execq.managed";
    public static final String LABEL_REQUEST_ID = "execq.request-id";
    public static final String LABEL_EXECUTOR_ID = "execq.executor-id";
    public static final String LABEL_CREATED_AT = "execq.created-at";

    /** The OCI runtime runs use: dockerd's default. */
    public static final String RUNTIME = "runc";
    /** The seccomp profile runs get: dockerd's built-in default, as no {@code seccomp=} option is set. */
    public static final String SECCOMP_PROFILE = "docker-default";

    /** What a container configured here enforces. */
    public static final Set<Protection> PROTECTIONS = Set.copyOf(EnumSet.of(
            Protection.NETWORK_ISOLATED, Protection.READ_ONLY_ROOT_FS, Protection.CAPABILITIES_DROPPED,
            Protection.NO_NEW_PRIVILEGES, Protection.NON_ROOT_USER, Protection.PID_NAMESPACE,
            Protection.PIDS_LIMIT, Protection.MEMORY_LIMIT, Protection.CPU_LIMIT, Protection.FILE_SIZE_LIMIT,
            Protection.OPEN_FILES_LIMIT, Protection.TMPFS_LIMIT, Protection.PRIVATE_WORKSPACE,
            Protection.CLEARED_ENVIRONMENT, Protection.PROCESS_GROUP_KILL, Protection.OUTPUT_CAP,
            Protection.SECCOMP_FILTER, Protection.IPC_NAMESPACE, Protection.UTS_NAMESPACE));

    private HardenedHostConfig() {
    }

    /**
     * The host config for one run: limits from {@code limits}; the workspace volume mounted at {@link #VOLUME_MOUNT}
     * when {@code volumeName} is present, else a tmpfs workspace at {@link #WORKSPACE}.
     */
    public static HostConfig hostConfig(SandboxLimits limits, Optional<String> volumeName) {
        Map<String, String> tmpfs = volumeName.isPresent() ? Map.of("/tmp", TMPFS_OPTIONS)
                : Map.of("/tmp", TMPFS_OPTIONS, WORKSPACE, WORKSPACE_TMPFS_OPTIONS);
        List<Mount> mounts = volumeName.map(name -> List.of(new Mount()
                        .withType(MountType.VOLUME)
                        .withSource(name)
                        .withTarget(VOLUME_MOUNT)
                        .withVolumeOptions(new VolumeOptions().withNoCopy(true))))
                .orElse(List.of());
        return HostConfig.newHostConfig()
                .withNetworkMode("none")
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of(NO_NEW_PRIVILEGES))
                .withPidsLimit((long) limits.pids())
                .withMemory(limits.memoryBytes())
                .withMemorySwap(limits.memoryBytes())
                .withNanoCPUs(limits.milliCpus() * 1_000_000L)
                .withIpcMode("private")
                .withTmpFs(tmpfs)
                .withUlimits(List.of(
                        new Ulimit("nofile", NOFILE_LIMIT, NOFILE_LIMIT),
                        new Ulimit("fsize", FSIZE_LIMIT_BYTES, FSIZE_LIMIT_BYTES)))
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE))
                .withMounts(mounts);
    }

    /** The labels of every container and volume created for {@code spec}. */
    public static Map<String, String> labels(SandboxSpec spec, Instant createdAt) {
        return labels(spec.requestId(), spec.executorId(), createdAt);
    }

    /** The labels of a container or volume created for {@code requestId} by {@code executorId}. */
    public static Map<String, String> labels(String requestId, String executorId, Instant createdAt) {
        return Map.of(
                LABEL_MANAGED, "true",
                LABEL_REQUEST_ID, requestId,
                LABEL_EXECUTOR_ID, executorId,
                LABEL_CREATED_AT, Long.toString(createdAt.toEpochMilli()));
    }

    /** Applies the host config, the run user and the labels to a create command, and returns it. */
    public static CreateContainerCmd harden(CreateContainerCmd cmd, SandboxLimits limits, Map<String, String> labels,
                                            Optional<String> volumeName) {
        return cmd.withHostConfig(hostConfig(limits, volumeName))
                .withUser(RUN_USER)
                .withLabels(labels);
    }

    /**
     * {@code config} with Docker's init as PID 1, the deadline helper mounted read-only, and the pids limit raised by
     * the processes those add, so that the program keeps exactly its own limit (see {@link RunDeadline}).
     */
    public static HostConfig supervised(HostConfig config, RunDeadline deadline) {
        List<Mount> mounts = new java.util.ArrayList<>(config.getMounts() == null ? List.of() : config.getMounts());
        deadline.mount().ifPresent(mounts::add);
        return config.withInit(true)
                .withMounts(mounts)
                .withPidsLimit(config.getPidsLimit() + deadline.extraProcesses());
    }
}
