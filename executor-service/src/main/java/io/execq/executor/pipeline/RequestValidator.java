package io.execq.executor.pipeline;

import io.execq.executor.sandbox.SandboxFile;
import io.execq.sdk.ExecLimits;
import io.execq.sdk.ExecutionRequests;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Network;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The validate stage: decides whether a decoded request may run and, if so, prepares it: the record's size and key,
 * the request's own well-formedness (the SDK's rules, {@link ExecutionRequests#validate}, with this host's limits on
 * what one exec may carry), then this executor's
 * policies (image allow-list and aliases, limit defaults and maxima). Every refusal is a
 * {@link RequestRejectedException} whose message tells the producer exactly what to fix.
 */
public final class RequestValidator {

    private final ImagePolicy images;
    private final LimitPolicy limits;
    private final long maxRequestBytes;
    private final String executorId;
    private final ExecLimits execLimits;
    private final boolean bridgeAllowed;
    private final WorkspacePolicy workspace;

    /** A validator that holds argv and env to {@link ExecLimits#DEFAULT}. */
    public RequestValidator(ImagePolicy images, LimitPolicy limits, long maxRequestBytes, String executorId) {
        this(images, limits, maxRequestBytes, executorId, ExecLimits.DEFAULT);
    }

    /** @param execLimits what one exec may carry on this host ({@link HostExecLimits#probe()}) */
    public RequestValidator(ImagePolicy images, LimitPolicy limits, long maxRequestBytes, String executorId,
                            ExecLimits execLimits) {
        this(images, limits, maxRequestBytes, executorId, execLimits, WorkspacePolicy.DEFAULT);
    }

    /** @param workspace the archive and artifact rules ({@link WorkspacePolicy}) */
    public RequestValidator(ImagePolicy images, LimitPolicy limits, long maxRequestBytes, String executorId,
                            ExecLimits execLimits, WorkspacePolicy workspace) {
        this(images, limits, maxRequestBytes, executorId, execLimits, workspace, false);
    }

    private RequestValidator(ImagePolicy images, LimitPolicy limits, long maxRequestBytes, String executorId,
                             ExecLimits execLimits, WorkspacePolicy workspace, boolean bridgeAllowed) {
        this.workspace = workspace;
        this.bridgeAllowed = bridgeAllowed;
        this.execLimits = execLimits;
        this.images = images;
        this.limits = limits;
        this.maxRequestBytes = maxRequestBytes;
        this.executorId = executorId;
    }

    /** This validator, also letting requests ask for the bridge network ({@code --allow-network bridge}). */
    public RequestValidator allowingBridgeNetwork() {
        return new RequestValidator(images, limits, maxRequestBytes, executorId, execLimits, workspace, true);
    }

    /**
     * @param recordKey the Kafka key the request arrived with (may be null)
     * @param recordBytes the size of the encoded request
     */
    public PreparedRun prepare(ExecutionRequest request, String recordKey, int recordBytes)
            throws RequestRejectedException {
        if (recordBytes > maxRequestBytes) {
            throw new RequestRejectedException("request is " + recordBytes + " bytes; the limit is "
                    + maxRequestBytes + " bytes");
        }
        if (recordKey != null && !recordKey.equals(request.getRequestId())) {
            throw new RequestRejectedException("record key '" + recordKey + "' differs from requestId '"
                    + request.getRequestId() + "'");
        }
        try {
            // The same rules the producer SDK applies before sending; producers need not use the SDK.
            ExecutionRequests.validate(request, execLimits);
        } catch (IllegalArgumentException e) {
            throw new RequestRejectedException(e.getMessage());
        }
        refuseNetwork(request);
        String image = images.resolve(request.getImage());
        EffectiveLimits effective = limits.resolve(request.getLimits());
        return new PreparedRun(request, image, effective, spec(request, image, effective));
    }

    /** The operator's network policy: NONE always; BRIDGE when allowed, and then never on the process fallback. */
    private void refuseNetwork(ExecutionRequest request) throws RequestRejectedException {
        Network network = request.getNetwork();
        if (network == Network.NONE) {
            return;
        }
        if (network != Network.BRIDGE) {
            throw new RequestRejectedException("network " + network + " is unknown to this executor (NONE or BRIDGE)");
        }
        if (!bridgeAllowed) {
            throw new RequestRejectedException("network BRIDGE is not allowed by this executor; its operator must "
                    + "start it with --allow-network bridge");
        }
        if (request.getIsolation() == Isolation.PROCESS) {
            throw new RequestRejectedException("network BRIDGE needs a container; isolation PROCESS runs on the host "
                    + "with loopback only");
        }
    }

    private SandboxSpec spec(ExecutionRequest request, String image, EffectiveLimits effective)
            throws RequestRejectedException {
        try {
            List<SandboxFile> files = files(request.getFiles());
            SandboxLimits limits = sandboxLimits(effective);
            long filesBytes = files.stream().mapToLong(SandboxFile::size).sum();
            return new SandboxSpec(request.getRequestId(), executorId, image, request.getCommand(),
                    bytes(request.getStdin()), files, request.getEnv(),
                    Optional.ofNullable(request.getWorkingDir()), limits,
                    workspace.archive(request.getArchive() == null ? null : bytes(request.getArchive()), filesBytes,
                            limits),
                    workspace.collect(request.getCollect()), request.getNetwork());
        } catch (IllegalArgumentException e) {
            // The spec's own checks (argv, env names, file paths escaping the workspace, ...) speak for themselves.
            throw new RequestRejectedException(e.getMessage());
        }
    }

    /** The sandbox's form of effective limits (also used by {@code execq bench} for its raw series). */
    public static SandboxLimits sandboxLimits(EffectiveLimits limits) {
        return new SandboxLimits(Duration.ofMillis(limits.getTimeoutMillis()), limits.getMemoryBytes(),
                limits.getMilliCpus(), limits.getPids(), limits.getMaxOutputBytes());
    }

    private static List<SandboxFile> files(List<FileEntry> entries) {
        List<SandboxFile> files = new ArrayList<>(entries.size());
        for (FileEntry entry : entries) {
            files.add(new SandboxFile(entry.getPath(), bytes(entry.getContent()), entry.getExecutable()));
        }
        return files;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
