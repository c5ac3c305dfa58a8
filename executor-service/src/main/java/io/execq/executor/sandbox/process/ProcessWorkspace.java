package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxFile;
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
                tmpfs.get().mount(root, owner);
                ws.mounted = tmpfs;
            }
            ws.own(root);
            for (String dir : spec.directories()) {
                Path path = Files.createDirectory(root.resolve(dir));
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                ws.own(path);
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
                throw new WorkspaceFullException("the request's files do not fit the workspace limit of "
                        + tmpfs.get().sizeBytes() + " bytes", e);
            }
            throw e;
        }
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
