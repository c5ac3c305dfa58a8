package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import io.execq.executor.sandbox.ArtifactCollector;
import io.execq.executor.sandbox.CollectSpec;
import io.execq.executor.sandbox.CollectedArtifacts;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Reads a finished run's artifacts from its workspace volume as the daemon archives it
 * ({@code GET /containers/{id}/archive?path=/execq/work}), through a container that keeps the volume mounted after
 * the run's own container stopped (a tmpfs volume loses its content when its last container stops).
 *
 * <p>The daemon archives what it finds with {@code lstat}: a symbolic link is an entry naming its target, a FIFO
 * or device an entry without data, the second name of a hard-linked file a link entry naming the first; it opens
 * regular files only. So nothing the program planted is followed or blocked on, here or in the daemon, and only
 * regular-file entries are read. Every entry is inside the workspace volume (a filesystem of its own, so a hard
 * link cannot reach a file outside it): the first name of a hard-linked file is returned as a regular file, later
 * names are named as dropped.
 */
final class ArtifactReader {

    private static final String TOP = "work/";

    private ArtifactReader() {
    }

    static CollectedArtifacts read(DockerClient client, String containerId, CollectSpec collect) throws IOException {
        try (InputStream archive = client.copyArchiveFromContainerCmd(containerId, HardenedHostConfig.WORKSPACE)
                .exec()) {
            return read(archive, collect);
        }
    }

    /** The artifacts in a daemon's archive of the workspace directory. */
    static CollectedArtifacts read(InputStream archive, CollectSpec collect) throws IOException {
        ArtifactCollector collector = new ArtifactCollector(collect);
        TarArchiveInputStream tar = new TarArchiveInputStream(archive);
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            String name = entry.getName();
            if (!name.startsWith(TOP)) {
                continue;
            }
            String path = name.substring(TOP.length());
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (entry.isDirectory() || !collector.wants(path)) {
                continue;
            }
            byte flag = entry.getLinkFlag();
            if (entry.isSymbolicLink()) {
                collector.skipped(path, "symbolic link");
            } else if (entry.isLink()) {
                collector.skipped(path, "hard link");
            } else if (entry.isFIFO()) {
                collector.skipped(path, "FIFO");
            } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
                collector.skipped(path, "device");
            } else if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM) {
                collector.regular(path, entry.getSize(), tar);
            } else {
                collector.skipped(path, "special file");
            }
        }
        return collector.result();
    }
}
