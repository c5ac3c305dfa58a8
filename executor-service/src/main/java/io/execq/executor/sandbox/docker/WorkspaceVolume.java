package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.SandboxSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The workspace of a run with files: a labelled Docker volume of type tmpfs, capped at the operator's
 * {@code --max-workspace} ({@link HardenedHostConfig#workspaceVolumeOptions}), mounted at
 * {@link HardenedHostConfig#VOLUME_MOUNT} and holding the workspace directory {@link HardenedHostConfig#WORKSPACE}
 * owned by the run user. A run without files and working dir needs none ({@link #needed}): its workspace is a tmpfs
 * mount, see {@link HardenedHostConfig}.
 *
 * <p>Why a volume and a sub-directory: the root fs is read-only, and Docker refuses to copy files into a
 * read-only container except into a volume; a volume also works against a remote daemon, unlike a host dir.
 * Docker never changes the owner of the directory it extracts into (the tar's {@code .} entry is skipped), so
 * the volume root stays as mounted and the 65534-owned workspace is its {@code work} sub-directory, created by
 * the same tar that carries the files.
 *
 * <p>Why the copy happens after the container started: dockerd mounts a tmpfs volume when a container using it
 * starts or is copied into, and unmounts it when the last user is done, so files copied into a created container
 * are gone by its start (measured on dockerd 20.10.24). While the container runs, the volume stays mounted and a
 * copy reaches it.
 */
public final class WorkspaceVolume {

    private static final String WORKSPACE = HardenedHostConfig.WORKSPACE;
    private static final int RUN_UID = 65534;
    private static final String TOP = "work/";

    private WorkspaceVolume() {
    }

    /**
     * Whether {@code spec} needs a volume: files and an archive do (a copy reaches a container's volumes, never its
     * tmpfs mounts); a working dir needs its directories created; artifacts are read from the volume after the run,
     * through a second container that keeps it mounted ({@link ArtifactReader}).
     */
    static boolean needed(SandboxSpec spec) {
        return !spec.files().isEmpty() || spec.workingDir().isPresent() || spec.archive().isPresent()
                || spec.collect().any();
    }

    /** Creates an empty tmpfs volume capped as by {@link HardenedHostConfig#defaults()}, with {@code labels}. */
    public static String create(DockerClient docker, Map<String, String> labels) {
        return create(docker, labels, HardenedHostConfig.defaults().workspaceVolumeOptions(
                new io.execq.executor.sandbox.SandboxLimits(java.time.Duration.ofSeconds(30), 1L << 30, 1000, 64,
                        1 << 20)));
    }

    /** Creates an empty, capped tmpfs volume ({@code options}) with {@code labels} and returns its name. */
    public static String create(DockerClient docker, Map<String, String> labels, Map<String, String> options) {
        String name = "execq-" + UUID.randomUUID();
        docker.createVolumeCmd().withName(name).withDriver("local").withDriverOpts(options).withLabels(labels).exec();
        return name;
    }

    /** Copies the workspace (directories and files, owned by the run user) into the running container's volume. */
    static void populate(DockerClient docker, String containerId, SandboxSpec spec) {
        docker.copyArchiveToContainerCmd(containerId)
                .withRemotePath(HardenedHostConfig.VOLUME_MOUNT)
                .withTarInputStream(new ByteArrayInputStream(tar(spec)))
                .exec();
    }

    /**
     * As {@link #populate(DockerClient, String, SandboxSpec)}, streaming: a spec with an archive is re-packed from
     * the validated {@link io.execq.executor.sandbox.WorkspaceArchive} (regular files and directories only, our own
     * modes and owner) into a pipe that Docker reads, written on {@code io}; it is never held in memory whole.
     */
    static void populate(DockerClient docker, String containerId, SandboxSpec spec, java.util.concurrent.Executor io)
            throws IOException {
        if (spec.archive().isEmpty()) {
            populate(docker, containerId, spec);
            return;
        }
        java.io.PipedInputStream in = new java.io.PipedInputStream(64 * 1024);
        java.io.PipedOutputStream out = new java.io.PipedOutputStream(in);
        java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (out) {
                writeTar(spec, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io);
        try {
            docker.copyArchiveToContainerCmd(containerId).withRemotePath(HardenedHostConfig.VOLUME_MOUNT)
                    .withTarInputStream(in).exec();
        } finally {
            in.close(); // a writer still blocked on a full pipe fails instead of waiting forever
        }
        try {
            writer.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new IOException("re-packing the archive failed: " + e.getCause(), e.getCause());
        }
    }

    /** The absolute working directory of the program. */
    static String workingDir(SandboxSpec spec) {
        return spec.workingDir().map(dir -> WORKSPACE + "/" + dir).orElse(WORKSPACE);
    }

    public static void remove(DockerClient docker, String name) {
        docker.removeVolumeCmd(name).exec();
    }

    static byte[] tar(SandboxSpec spec) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeTar(spec, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("building an in-memory tar cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** The workspace as a tar: its directories, the archive's files (those not replaced), then the spec's files. */
    static void writeTar(SandboxSpec spec, java.io.OutputStream out) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            putDirectory(tar, TOP, 0700);
            for (String dir : spec.directories()) {
                putDirectory(tar, TOP + dir + "/", 0755);
            }
            if (spec.archive().isPresent()) {
                spec.archive().get().forEachFile(spec::overridesArchiveFile, (entry, content) -> {
                    TarArchiveEntry file = owned(new TarArchiveEntry(TOP + entry.path()));
                    file.setMode(entry.executable() ? 0100755 : 0100644);
                    file.setSize(entry.size());
                    tar.putArchiveEntry(file);
                    content.transferTo(tar);
                    tar.closeArchiveEntry();
                });
            }
            for (SandboxFile file : spec.files()) {
                TarArchiveEntry entry = owned(new TarArchiveEntry(TOP + file.path()));
                entry.setMode(file.executable() ? 0100755 : 0100644);
                entry.setSize(file.size());
                tar.putArchiveEntry(entry);
                tar.write(file.content());
                tar.closeArchiveEntry();
            }
        }
    }

    private static void putDirectory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
        TarArchiveEntry entry = owned(new TarArchiveEntry(name));
        entry.setMode(040000 | mode);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry owned(TarArchiveEntry entry) {
        entry.setUserId(RUN_UID);
        entry.setGroupId(RUN_UID);
        entry.setModTime(0);
        return entry;
    }
}
