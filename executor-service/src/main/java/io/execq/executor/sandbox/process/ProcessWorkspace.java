package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.ArtifactCollector;
import io.execq.executor.sandbox.CollectSpec;
import io.execq.executor.sandbox.CollectedArtifacts;
import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.WorkspaceArchive;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import io.execq.executor.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A fresh private directory for one run: mode 0700, owned by the run's uid and gid (when the executor can switch
 * users), holding the spec's files; deleted afterwards without following any link the program may have planted.
 * Where the host allows it, the directory is a size-capped tmpfs of its own ({@link WorkspaceTmpfs}), unmounted
 * afterwards: what the program writes there never reaches the host's disk and stops at the cap with
 * {@code ENOSPC}.
 */
final class ProcessWorkspace implements AutoCloseable {

    private final Path root;
    private final OptionalInt owner;
    private Optional<WorkspaceTmpfs> mounted = Optional.empty();

    private ProcessWorkspace(Path root, OptionalInt owner) {
        this.root = root;
        this.owner = owner;
    }

    /**
     * Creates the workspace under {@code base} (which the run user must be able to traverse, like /tmp).
     *
     * @param owner uid (and gid) to own everything created, or empty to leave it to the executor's user
     * @param tmpfs the capped tmpfs to mount on the directory, if the host allows mounts
     * @throws WorkspaceFullException when the spec's files do not fit the tmpfs
     */
    static ProcessWorkspace create(Path base, SandboxSpec spec, OptionalInt owner, Optional<WorkspaceTmpfs> tmpfs)
            throws IOException {
        Path root = Files.createTempDirectory(base, "execq-run-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessWorkspace ws = new ProcessWorkspace(root, owner);
        try {
            if (tmpfs.isPresent()) {
                tmpfs.get().mount(root, owner, spec.limits().workspaceBytes(tmpfs.get().sizeBytes()));
                ws.mounted = tmpfs;
            }
            ws.own(root);
            for (String dir : spec.directories()) {
                Path path = Files.createDirectory(root.resolve(dir));
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                ws.own(path);
            }
            if (spec.archive().isPresent()) {
                ws.extract(spec.archive().get(), spec);
            }
            for (SandboxFile file : spec.files()) {
                Path path = Files.write(root.resolve(file.path()), file.content());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(file.executable() ? "rwxr-xr-x" : "rw-r--r--"));
                ws.own(path);
            }
            return ws;
        } catch (IOException | RuntimeException e) {
            try {
                ws.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (tmpfs.isPresent() && isNoSpace(e)) {
                throw new WorkspaceFullException("the request's files and archive do not fit the workspace limit of "
                        + tmpfs.get().sizeBytes() + " bytes", e);
            }
            throw e;
        }
    }

    /**
     * Writes the archive's files (directories exist already). Every file is created new ({@code O_CREAT|O_EXCL},
     * which never follows a link) in a directory this method created, before anything of the run exists, so nothing
     * the archive holds is written anywhere but its own path in the workspace. Files the spec's own files replace are
     * not written.
     */
    private void extract(WorkspaceArchive archive, SandboxSpec spec) throws IOException {
        archive.forEachFile(spec::overridesArchiveFile, (entry, content) -> {
            Path path = root.resolve(entry.path());
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                content.transferTo(out);
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                    entry.executable() ? "rwxr-xr-x" : "rw-r--r--"));
            own(path);
        });
    }

    /**
     * The files of the workspace that {@code collect} asks for. Call only once no process of the run is left: then
     * nothing changes the tree while it is read. The walk never follows a link; each entry's type comes from
     * {@code lstat}, and only regular files are opened ({@code O_NOFOLLOW}), so a FIFO, device or socket is never
     * opened and a symbolic link never read through. A regular file with more than one name could be a hard link to
     * a file outside the workspace, unless the workspace is a filesystem of its own (the run's tmpfs: the kernel
     * refuses links across filesystems, and the inode's device proves where it lives); without the tmpfs such files
     * are skipped.
     */
    CollectedArtifacts collect(CollectSpec collect) throws IOException {
        ArtifactCollector collector = new ArtifactCollector(collect);
        Object device = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        boolean ownFilesystem = mounted.isPresent();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String path = root.relativize(file).toString();
                if (!collector.wants(path)) {
                    return FileVisitResult.CONTINUE;
                }
                java.util.Map<String, Object> unix = Files.readAttributes(file, "unix:mode,dev,nlink,size",
                        LinkOption.NOFOLLOW_LINKS);
                int type = (Integer) unix.get("mode") & 0170000;
                if (type != 0100000) {
                    collector.skipped(path, kind(type));
                } else if (!device.equals(unix.get("dev"))
                        || (!ownFilesystem && (Integer) unix.get("nlink") > 1)) {
                    collector.skipped(path, "hard link");
                } else {
                    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                        collector.regular(path, (Long) unix.get("size"), in);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // a directory the program made unreadable: nothing of it returns
            }
        });
        return collector.result();
    }

    private static String kind(int type) {
        return switch (type) {
            case 0120000 -> "symbolic link";
            case 0010000 -> "FIFO";
            case 0140000 -> "socket";
            case 0020000, 0060000 -> "device";
            case 0040000 -> "directory";
            default -> "special file";
        };
    }

    private static boolean isNoSpace(Exception e) {
        return e instanceof IOException && String.valueOf(e.getMessage()).contains("No space left on device");
    }

    /** The spec's files exceed the workspace limit: the request's fault, not the host's. */
    static final class WorkspaceFullException extends IOException {
        WorkspaceFullException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    Path root() {
        return root;
    }

    Path workingDir(SandboxSpec spec) {
        return spec.workingDir().map(root::resolve).orElse(root);
    }

    private void own(Path path) throws IOException {
        if (owner.isPresent()) {
            Files.setAttribute(path, "unix:uid", owner.getAsInt(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", owner.getAsInt(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
    }

    /**
     * Unmounts the tmpfs (everything the run wrote goes with it), then deletes what is left; links are removed,
     * never followed. The caller's interrupt status is kept but does not cut the clean-up short.
     */
    @Override
    public void close() throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (mounted.isPresent()) {
            boolean interrupted = Thread.interrupted();
            try {
                mounted.get().unmount(root);
                mounted = Optional.empty();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // The program may have removed its own permissions; as the owner (or root) we restore them.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
