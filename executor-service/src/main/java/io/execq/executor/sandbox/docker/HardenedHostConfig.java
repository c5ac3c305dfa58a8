package io.execq.executor.sandbox.docker;

import io.execq.schema.Network;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Every hardening setting of a sandbox container, in one place. Nothing else in the code base sets a security
 * relevant container option; a reviewer reads this class to know what a run is allowed to do. One instance holds the
 * operator's choices ({@code --seccomp-profile}, {@code --max-workspace}, {@code --docker-runtime}); the same
 * instance configures the runs' containers and the warm pool's.
 *
 * <p>The settings, and why:
 * <ul>
 *   <li>network mode {@code none}: only a loopback interface, no egress;</li>
 *   <li>read-only root fs, writable only: the workspace and a size- and inode-limited, noexec {@code /tmp}. The
 *       workspace is a tmpfs of at most {@code --max-workspace} bytes and {@link #WORKSPACE_INODES} inodes, owned
 *       by the run user: for a run without files a tmpfs mount ({@link #workspaceTmpfsOptions}), for a run with
 *       files a local-driver volume of type tmpfs ({@link #workspaceVolumeOptions}) that can be filled through the
 *       API. Both fail writes past the cap with ENOSPC and never touch the host's disk; their pages count against
 *       the run's memory limit (see {@code docs/security.md});</li>
 *   <li>seccomp: execq's own profile ({@link SeccompProfiles#execqDefault}) or the operator's file;</li>
 *   <li>the OCI runtime: dockerd's default (runc) or the one named by {@code --docker-runtime} (e.g. gVisor's
 *       {@code runsc});</li>
 *   <li>{@code cap-drop ALL} and {@code no-new-privileges}: no capability, no setuid escalation;</li>
 *   <li>user {@code 65534:65534} (nobody): never root inside the container;</li>
 *   <li>pids limit, memory with memory+swap equal to it (no swap), CPU quota from milliCpus;</li>
 *   <li>private IPC namespace; ulimits {@code nofile} and {@code fsize};</li>
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
    /** Inodes of {@code /tmp}: bounds the kernel memory of many empty files, which the size cap does not. */
    public static final long TMP_INODES = 8192;
    public static final String TMPFS_OPTIONS = "rw,noexec,nosuid,nodev,size=64m,nr_inodes=" + TMP_INODES;
    /** Inodes of the workspace, whatever its size. */
    public static final long WORKSPACE_INODES = 65_536;
    /** The workspace cap when the operator sets none ({@code --max-workspace}). */
    public static final long DEFAULT_WORKSPACE_BYTES = 512L << 20;
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

    /** dockerd's default OCI runtime, reported when no runtime was named and dockerd could not be asked. */
    public static final String DEFAULT_RUNTIME = "runc";

    private static final Set<Protection> BASE_PROTECTIONS = Set.copyOf(EnumSet.of(
            Protection.NETWORK_ISOLATED, Protection.READ_ONLY_ROOT_FS, Protection.CAPABILITIES_DROPPED,
            Protection.NO_NEW_PRIVILEGES, Protection.NON_ROOT_USER, Protection.PID_NAMESPACE,
            Protection.PIDS_LIMIT, Protection.MEMORY_LIMIT, Protection.CPU_LIMIT, Protection.FILE_SIZE_LIMIT,
            Protection.OPEN_FILES_LIMIT, Protection.TMPFS_LIMIT, Protection.PRIVATE_WORKSPACE,
            Protection.CLEARED_ENVIRONMENT, Protection.PROCESS_GROUP_KILL, Protection.OUTPUT_CAP,
            Protection.SECCOMP_FILTER, Protection.IPC_NAMESPACE, Protection.UTS_NAMESPACE,
            Protection.WORKSPACE_LIMIT));

    private static final HardenedHostConfig DEFAULTS = new HardenedHostConfig(SeccompProfiles.execqDefault(),
            DEFAULT_WORKSPACE_BYTES, Optional.empty());

    /**
     * On gVisor the container's pids cgroup counts gVisor's own host threads, not the program's processes, which
     * live inside gVisor's kernel: measured with runsc's default (ptrace) platform on a two-core host, 51 host pids
     * for an idle sandbox and about 8.7 more per process of the program. The container's limit is therefore
     * {@value #GVISOR_PIDS_BASE} plus {@value #GVISOR_PIDS_PER_PROCESS} per process the run may have.
     */
    static final int GVISOR_PIDS_BASE = 64;
    static final int GVISOR_PIDS_PER_PROCESS = 10;

    private final SeccompProfile seccomp;
    private final long workspaceBytes;
    private final Optional<String> runtime;
    private final boolean gvisor;
    private final Set<Protection> protections;

    /**
     * @param seccomp the profile every container gets
     * @param workspaceBytes the workspace cap, at least 1 MiB
     * @param runtime the OCI runtime to ask dockerd for; empty: dockerd's default
     */
    public HardenedHostConfig(SeccompProfile seccomp, long workspaceBytes, Optional<String> runtime) {
        this(seccomp, workspaceBytes, runtime, false);
    }

    private HardenedHostConfig(SeccompProfile seccomp, long workspaceBytes, Optional<String> runtime, boolean gvisor) {
        this.gvisor = gvisor;
        this.seccomp = Objects.requireNonNull(seccomp, "seccomp");
        if (workspaceBytes < (1L << 20)) {
            throw new IllegalArgumentException("workspace cap must be at least 1 MiB, got " + workspaceBytes);
        }
        this.workspaceBytes = workspaceBytes;
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        EnumSet<Protection> claimed = EnumSet.copyOf(BASE_PROTECTIONS);
        if (seccomp.blocksUserNamespaces()) {
            claimed.add(Protection.USER_NAMESPACES_BLOCKED);
        }
        this.protections = Set.copyOf(claimed);
    }

    /** execq's profile, a {@value #DEFAULT_WORKSPACE_BYTES}-byte workspace cap, dockerd's default runtime. */
    public static HardenedHostConfig defaults() {
        return DEFAULTS;
    }

    /** What a container configured here enforces. */
    public Set<Protection> protections() {
        return protections;
    }

    public SeccompProfile seccomp() {
        return seccomp;
    }

    public long workspaceBytes() {
        return workspaceBytes;
    }

    /** The OCI runtime that runs the containers, as results name it. */
    public String runtimeName() {
        return runtime.orElse(DEFAULT_RUNTIME);
    }

    /** The same hardening with {@code runtime} named explicitly (not gVisor). */
    public HardenedHostConfig withRuntime(String runtime) {
        return withRuntime(new DockerRuntimes.Runtime(runtime, false));
    }

    /** The same hardening with {@code runtime} named explicitly, the seccomp profile as that runtime needs it. */
    public HardenedHostConfig withRuntime(DockerRuntimes.Runtime runtime) {
        return new HardenedHostConfig(runtime.gvisor() ? SeccompProfiles.forGvisor(seccomp) : seccomp, workspaceBytes,
                Optional.of(runtime.name()), runtime.gvisor());
    }

    /** Whether the runtime is gVisor. */
    public boolean gvisor() {
        return gvisor;
    }

    /** The container's pids limit for a run that may have {@code pids} processes. */
    long pidsLimit(int pids) {
        return gvisor ? GVISOR_PIDS_BASE + (long) GVISOR_PIDS_PER_PROCESS * pids : pids;
    }

    /**
     * Mount options of the tmpfs workspace of a run without files, sized by {@link SandboxLimits#workspaceBytes}: its
     * pages count against the run's memory, so it holds at most half the memory limit and a program that fills it
     * gets {@code ENOSPC}, not an OOM kill.
     */
    public String workspaceTmpfsOptions(SandboxLimits limits) {
        return "rw,exec,nosuid,nodev,size=" + limits.workspaceBytes(workspaceBytes) + ",nr_inodes=" + WORKSPACE_INODES
                + ",uid=65534,gid=65534,mode=0700";
    }

    /**
     * Driver options of the workspace volume of a run with files: a tmpfs, mounted by dockerd while a container
     * using it runs (and only then: files must be copied in after the start, see {@link DockerSandbox}). The
     * container's bind mount of it inherits {@code nosuid,nodev} from dockerd's mount.
     */
    public Map<String, String> workspaceVolumeOptions(SandboxLimits limits) {
        return Map.of("type", "tmpfs", "device", "tmpfs",
                "o", "nosuid,nodev,size=" + limits.workspaceBytes(workspaceBytes) + ",nr_inodes=" + WORKSPACE_INODES
                        + ",uid=65534,gid=65534,mode=0700");
    }

    /**
     * The host config for one run: limits from {@code limits}; the workspace volume mounted at {@link #VOLUME_MOUNT}
     * when {@code volumeName} is present, else a tmpfs workspace at {@link #WORKSPACE}.
     */
    public HostConfig hostConfig(SandboxLimits limits, Optional<String> volumeName) {
        Map<String, String> tmpfs = volumeName.isPresent() ? Map.of("/tmp", TMPFS_OPTIONS)
                : Map.of("/tmp", TMPFS_OPTIONS, WORKSPACE, workspaceTmpfsOptions(limits));
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
                .withSecurityOpts(List.of(NO_NEW_PRIVILEGES, seccomp.securityOpt()))
                .withRuntime(runtime.orElse(null))
                .withPidsLimit(pidsLimit(limits.pids()))
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
    public CreateContainerCmd harden(CreateContainerCmd cmd, SandboxLimits limits, Map<String, String> labels,
                                     Optional<String> volumeName) {
        return cmd.withHostConfig(hostConfig(limits, volumeName))
                .withUser(RUN_USER)
                .withLabels(labels);
    }

    /**
     * {@code config} on {@code network}: unchanged for {@code NONE}; the engine's default bridge network (egress
     * through the host's NAT, no published ports) for {@code BRIDGE}, which a request asks for and the operator must
     * allow ({@code --allow-network bridge}).
     */
    public static HostConfig onNetwork(HostConfig config, Network network) {
        return network == Network.BRIDGE ? config.withNetworkMode("bridge") : config;
    }

    /** What a run on {@code network} is protected by: without {@code NETWORK_ISOLATED} on the bridge. */
    public Set<Protection> protections(Network network) {
        if (network == Network.NONE) {
            return protections();
        }
        Set<Protection> bridged = new java.util.HashSet<>(protections());
        bridged.remove(Protection.NETWORK_ISOLATED);
        return Set.copyOf(bridged);
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
                .withPidsLimit(deadline.pidsLimit(Math.toIntExact(config.getPidsLimit())));
    }
}
