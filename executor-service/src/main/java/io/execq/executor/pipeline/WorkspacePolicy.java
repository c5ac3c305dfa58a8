package io.execq.executor.pipeline;

import io.execq.executor.sandbox.ArchiveLimits;
import io.execq.executor.sandbox.CollectSpec;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.WorkspaceArchive;
import java.util.List;
import java.util.Optional;

/**
 * The operator's rules for what goes into a workspace and what comes out of it: archive limits
 * ({@code --max-archive-entries}, {@code --max-archive-bytes}), the workspace cap ({@code --max-workspace}) and the
 * artifact caps ({@code --max-artifact-files}, {@code --max-artifacts}).
 *
 * @param archive what one archive may hold
 * @param maxWorkspaceBytes the operator's workspace cap
 * @param maxArtifactFiles most artifact files per result
 * @param maxArtifactBytes most artifact content bytes per result
 */
public record WorkspacePolicy(ArchiveLimits archive, long maxWorkspaceBytes, int maxArtifactFiles,
                              long maxArtifactBytes) {

    /** The executor's defaults: 10,000 entries and 512 MiB per archive, a 512 MiB workspace, 100 files and 1 MiB. */
    public static final WorkspacePolicy DEFAULT = new WorkspacePolicy(ArchiveLimits.DEFAULT, 512L << 20, 100, 1L << 20);

    /**
     * The request's archive, validated, and checked to fit the run's workspace: its files' footprint (content
     * rounded up to whole tmpfs pages) plus the request's own files must not exceed the workspace the run gets
     * ({@link SandboxLimits#workspaceBytes}), so placing it cannot fail with {@code ENOSPC}.
     *
     * @throws IllegalArgumentException with the reason for the producer
     */
    Optional<WorkspaceArchive> archive(byte[] bytes, long filesBytes, SandboxLimits limits) {
        if (bytes == null) {
            return Optional.empty();
        }
        WorkspaceArchive archive = WorkspaceArchive.of(bytes, this.archive);
        long workspace = limits.workspaceBytes(maxWorkspaceBytes);
        long needed = archive.footprintBytes() + filesBytes;
        if (needed > workspace) {
            throw new IllegalArgumentException("archive and files need " + needed + " bytes of workspace (files "
                    + "rounded up to " + WorkspaceArchive.PAGE + "-byte pages); this run's workspace holds " + workspace
                    + " bytes (--max-workspace, at most half the memory limit)");
        }
        return Optional.of(archive);
    }

    /** The request's globs under the operator's caps. */
    CollectSpec collect(List<String> globs) {
        return globs.isEmpty() ? CollectSpec.NONE : new CollectSpec(globs, maxArtifactFiles, maxArtifactBytes);
    }
}
