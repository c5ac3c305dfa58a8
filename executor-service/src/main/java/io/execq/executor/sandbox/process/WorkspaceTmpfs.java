package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The run's workspace as a size-capped tmpfs ({@code --max-workspace}), mounted on the host by the executor with
 * {@code mount(8)} before the run and unmounted after it: a program that fills it gets {@code ENOSPC} at the cap and
 * the host's disk never sees a byte. Its pages are memory: where the run has a memory cgroup they count against the
 * run's memory limit (as a Docker tmpfs does), so the effective cap is the smaller of the two.
 *
 * <p>The mount's source names the run uid ({@code execq-ws-<uid>}). An executor that dies mid-run leaves its
 * workspace mounted; the next run given that uid (whose lock proves no one else uses it) lazily unmounts such a
 * leftover before mounting its own ({@link #sweep}).
 */
final class WorkspaceTmpfs {

    static final String SOURCE = "execq-ws";
    private static final long TOOL_TIMEOUT_SECONDS = 10;

    private final Path mount;
    private final Path umount;
    private final long sizeBytes;

    WorkspaceTmpfs(Path mount, Path umount, long sizeBytes) {
        this.mount = Objects.requireNonNull(mount, "mount");
        this.umount = Objects.requireNonNull(umount, "umount");
        if (sizeBytes < 1 << 20) {
            throw new IllegalArgumentException("workspace size must be at least 1 MiB, got " + sizeBytes);
        }
        this.sizeBytes = sizeBytes;
    }

    long sizeBytes() {
        return sizeBytes;
    }

    /** Whether this host lets the executor mount and unmount a tmpfs (root in the host's mount namespace). */
    static boolean works(Path mount, Path umount) {
        try {
            Path dir = Files.createTempDirectory("execq-tmpfs-probe-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                WorkspaceTmpfs probe = new WorkspaceTmpfs(mount, umount, 1 << 20);
                probe.mount(dir, OptionalInt.empty(), probe.sizeBytes);
                probe.unmount(dir);
                return true;
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Mounts a tmpfs of {@code runBytes} (at most the cap) on {@code dir}: mode 0700, owned by {@code owner} when
     * given, nosuid, nodev, and one inode per 4 KiB of size, so a flood of empty files also ends in {@code ENOSPC}.
     */
    void mount(Path dir, OptionalInt owner, long runBytes) throws IOException {
        long bytes = Math.min(runBytes, sizeBytes);
        String options = "size=" + bytes + ",nr_inodes=" + Math.max(1024, bytes / 4096) + ",mode=0700,nosuid,nodev"
                + (owner.isPresent() ? ",uid=" + owner.getAsInt() + ",gid=" + owner.getAsInt() : "");
        String source = owner.isPresent() ? SOURCE + "-" + owner.getAsInt() : SOURCE;
        run(List.of(mount.toString(), "-t", "tmpfs", "-o", options, source, dir.toString()));
    }

    /** Unmounts {@code dir}; detaches it lazily if something still holds it. */
    void unmount(Path dir) throws IOException {
        try {
            run(List.of(umount.toString(), dir.toString()));
        } catch (IOException e) {
            run(List.of(umount.toString(), "--lazy", dir.toString()));
        }
    }

    /**
     * Lazily unmounts (and removes the directory of) every workspace tmpfs of {@code uid} left by an executor that
     * died; the caller holds the uid's lock, so none of them is in use.
     */
    void sweep(int uid) {
        for (Path leftover : mountedFor(SOURCE + "-" + uid)) {
            try {
                run(List.of(umount.toString(), "--lazy", leftover.toString()));
                Files.deleteIfExists(leftover);
            } catch (IOException e) {
                // Best effort: the leftover costs memory, not safety; it is tried again with the uid's next run.
            }
        }
    }

    /** Mount points of tmpfs mounts whose source is {@code source}, from /proc/self/mountinfo. */
    static List<Path> mountedFor(String source) {
        List<Path> points = new ArrayList<>();
        for (String[] mount : tmpfsMounts()) {
            if (mount[0].equals(source)) {
                points.add(Path.of(mount[1]));
            }
        }
        return points;
    }

    /** The uids whose workspace tmpfs ({@code execq-ws-<uid>}) is mounted somewhere on this host. */
    static java.util.Set<Integer> mountedUids() {
        java.util.Set<Integer> uids = new java.util.TreeSet<>();
        String prefix = SOURCE + "-";
        for (String[] mount : tmpfsMounts()) {
            if (mount[0].startsWith(prefix) && mount[0].substring(prefix.length()).matches("\\d{1,10}")) {
                long uid = Long.parseLong(mount[0].substring(prefix.length()));
                if (uid <= Integer.MAX_VALUE) {
                    uids.add((int) uid);
                }
            }
        }
        return uids;
    }

    /** (source, mount point) of every tmpfs mount, from /proc/self/mountinfo. */
    private static List<String[]> tmpfsMounts() {
        List<String[]> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int separator = line.indexOf(" - ");
                if (separator < 0) {
                    continue;
                }
                String[] left = line.substring(0, separator).split(" ");
                String[] right = line.substring(separator + 3).split(" ");
                if (left.length > 4 && right.length > 1 && right[0].equals("tmpfs")) {
                    mounts.add(new String[] {right[1], unescape(left[4])});
                }
            }
        } catch (IOException e) {
            // No mountinfo: nothing to sweep.
        }
        return mounts;
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void run(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish in " + TOOL_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): "
                        + new String(output, StandardCharsets.UTF_8).trim());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + " interrupted", e);
        }
    }
}
