package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxRuntimeException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * The pool of unprivileged uids the process sandbox runs programs as: one uid (and the gid of the same number) per
 * run, so that everything the kernel accounts or permits by uid is per run. {@code RLIMIT_NPROC} counts the
 * processes of the real uid host-wide; with one shared run user a fork bomb held at its own limit would leave every
 * other concurrent run unable to fork. With a uid of its own, a run's limit is its own, only its processes may be
 * signalled by it, and the executor can kill every process of the uid afterwards, including one that left the
 * process group and the pid namespace.
 *
 * <p>A uid is handed out only when all of these hold, checked in this order:
 * <ol>
 *   <li>no run of a pool in this JVM holds it;</li>
 *   <li>this process obtains an exclusive lock on {@code <lockDir>/<uid>.lock}, which coordinates executors on one
 *       host (the kernel drops the lock when the holder dies);</li>
 *   <li>no process on the host has it on its {@code Uid:} line (checked after locking: only a holder of the lock
 *       or a process of the uid itself can create one, so none can appear until we release it).</li>
 * </ol>
 * The search starts at a random offset, so two executors rarely even try the same uid. A run keeps its uid until
 * every process of it is gone and its workspace is deleted ({@link #release}).
 *
 * <p>The ids need no {@code /etc/passwd} entry ({@code setpriv} takes numbers). The default range lies far above the
 * {@code /etc/subuid} blocks {@code useradd} hands out (100000 + n·65536, up to 600100000 by default), above
 * systemd's container range (up to 1879048191) and below 2<sup>31</sup>; {@link #forHost} refuses a range that
 * overlaps a user, group or subordinate id range of this host. Thread-safe.
 */
public final class RunUsers {

    public static final int DEFAULT_FIRST_UID = 2_000_000_000;
    public static final int DEFAULT_LAST_UID = 2_000_000_999;
    public static final Path DEFAULT_LOCK_DIR = Path.of("/run/execq/run-uids");
    private static final List<Path> ID_DATABASES = List.of(Path.of("/etc/passwd"), Path.of("/etc/group"));
    private static final List<Path> SUBORDINATE_IDS = List.of(Path.of("/etc/subuid"), Path.of("/etc/subgid"));

    private final int first;
    private final int count;
    private final Path lockDir;
    private final IntPredicate hasProcesses;
    private final IntUnaryOperator randomOffset;
    private final Map<Integer, FileChannel> held = new HashMap<>();
    /**
     * Uids whose last run provably left no process, still locked by this pool: handed out again without scanning
     * {@code /proc} (only the lock holder or a process of the uid could create one, and there is none).
     */
    private final java.util.ArrayDeque<Integer> clean = new java.util.ArrayDeque<>();
    /**
     * Lock files held anywhere in this JVM. POSIX record locks belong to the process, and closing any channel of a
     * file drops them all, so a second pool on the same directory must never even open a file the first one holds.
     */
    private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    RunUsers(int first, int last, Path lockDir, IntPredicate hasProcesses, IntUnaryOperator randomOffset) {
        if (first <= 0 || last < first) {
            throw new IllegalArgumentException("run uid range " + first + "-" + last
                    + " must be positive and non-empty (first <= last)");
        }
        if (first <= 65_535 && last >= 65_534) {
            throw new IllegalArgumentException("run uid range " + first + "-" + last + " must not contain 65534 or 65535");
        }
        this.first = first;
        this.count = last - first + 1;
        this.lockDir = Objects.requireNonNull(lockDir, "lockDir");
        this.hasProcesses = Objects.requireNonNull(hasProcesses, "hasProcesses");
        this.randomOffset = Objects.requireNonNull(randomOffset, "randomOffset");
    }

    /**
     * The uids {@code first..last} of this host, coordinated through {@code lockDir}.
     *
     * @throws IllegalArgumentException when the range is empty, contains 0, 65534 or 65535, or overlaps a uid or
     *     gid of {@code /etc/passwd} or {@code /etc/group} or a range of {@code /etc/subuid} or {@code /etc/subgid}
     */
    public static RunUsers forHost(int first, int last, Path lockDir) {
        RunUsers users = new RunUsers(first, last, lockDir, ProcUids::hasProcesses,
                bound -> ThreadLocalRandom.current().nextInt(bound));
        users.refuseOverlapWithHostIds();
        return users;
    }

    /** {@link #DEFAULT_FIRST_UID}..{@link #DEFAULT_LAST_UID}, locks in {@link #DEFAULT_LOCK_DIR}. */
    public static RunUsers ofDefaults() {
        return forHost(DEFAULT_FIRST_UID, DEFAULT_LAST_UID, DEFAULT_LOCK_DIR);
    }

    int first() {
        return first;
    }

    int last() {
        return first + count - 1;
    }

    boolean contains(int uid) {
        return uid >= first && uid <= last();
    }

    /**
     * Takes a free uid; the caller must {@link #release} it.
     *
     * @throws RunUsersExhaustedException when every uid of the range is taken (retriable)
     * @throws SandboxRuntimeException when the lock directory cannot be used (retriable)
     */
    public synchronized int acquire() throws SandboxException {
        Integer reused = clean.pollFirst();
        if (reused != null) {
            return reused;
        }
        createLockDir();
        int start = randomOffset.applyAsInt(count);
        for (int i = 0; i < count; i++) {
            int uid = first + (start + i) % count;
            Path file = lockFile(uid);
            if (!HELD_IN_THIS_JVM.add(file)) {
                continue;
            }
            FileChannel lock = tryLock(uid, file);
            if (lock == null || hasProcesses.test(uid)) {
                closeQuietly(lock);
                HELD_IN_THIS_JVM.remove(file);
                continue;
            }
            held.put(uid, lock);
            return uid;
        }
        throw new RunUsersExhaustedException("all " + count + " run uids " + first + "-" + last()
                + " are taken (held by runs of this executor, locked by another executor, or owning live processes)");
    }

    /**
     * Takes {@code uid} itself, whatever processes of it are left, when no run of this JVM holds it and no other
     * process holds its lock: its last holder is gone. For removing what a dead executor's run left on the host
     * ({@link AbandonedRuns}); the caller kills the uid's processes and must {@link #release} it.
     *
     * @return whether the uid is now held by this pool
     * @throws IllegalArgumentException when {@code uid} is not in the range
     */
    public synchronized boolean tryTakeAbandoned(int uid) throws SandboxException {
        if (!contains(uid)) {
            throw new IllegalArgumentException("uid " + uid + " is not in the run uid range " + first + "-" + last());
        }
        createLockDir();
        Path file = lockFile(uid);
        if (!HELD_IN_THIS_JVM.add(file)) {
            return false;
        }
        FileChannel lock = tryLock(uid, file);
        if (lock == null) {
            HELD_IN_THIS_JVM.remove(file);
            return false;
        }
        held.put(uid, lock);
        return true;
    }

    /**
     * Returns {@code uid}, known to have no process left, to this pool only: it keeps its lock, so the next
     * {@link #acquire} takes it without scanning {@code /proc}. {@link #close} gives such uids back to the host.
     */
    public synchronized void releaseClean(int uid) {
        if (!held.containsKey(uid)) {
            throw new IllegalStateException("run uid " + uid + " is not held");
        }
        clean.addFirst(uid);
    }

    /** Gives the uids kept by {@link #releaseClean} back to the host. */
    public synchronized void close() {
        while (!clean.isEmpty()) {
            release(clean.pollFirst());
        }
    }

    /** Returns {@code uid} to the pool (to this executor and, through the lock, to others on the host). */
    public synchronized void release(int uid) {
        FileChannel lock = held.remove(uid);
        if (lock == null) {
            throw new IllegalStateException("run uid " + uid + " is not held");
        }
        closeQuietly(lock);
        HELD_IN_THIS_JVM.remove(lockFile(uid));
    }

    private void createLockDir() throws SandboxException {
        try {
            Files.createDirectories(lockDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new SandboxRuntimeException("create run uid lock dir", e.toString(), true, e);
        }
    }

    private Path lockFile(int uid) {
        return lockDir.resolve(uid + ".lock").toAbsolutePath().normalize();
    }

    /** Uids held by runs (not counting the clean ones kept for reuse). */
    synchronized int heldCount() {
        return held.size() - clean.size();
    }

    /** The open channel holding the lock, or null when another process holds it. */
    private static FileChannel tryLock(int uid, Path file) throws SandboxException {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
            closeQuietly(channel);
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_IN_THIS_JVM.remove(file);
            throw new SandboxRuntimeException("lock run uid " + uid, e.toString(), true, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close(); // releases the lock
        } catch (IOException e) {
            // Nothing left to do: the kernel drops the lock with the descriptor.
        }
    }

    private void refuseOverlapWithHostIds() {
        for (Path database : ID_DATABASES) {
            for (String line : readIfPresent(database)) {
                String[] fields = line.split(":");
                if (fields.length > 2 && fields[2].matches("\\d+") && contains(Integer.parseUnsignedInt(fields[2]))) {
                    throw overlap(database, line);
                }
            }
        }
        for (Path database : SUBORDINATE_IDS) {
            for (String line : readIfPresent(database)) {
                String[] fields = line.split(":");
                if (fields.length == 3 && fields[1].matches("\\d+") && fields[2].matches("\\d+")) {
                    long start = Long.parseLong(fields[1]);
                    long end = start + Long.parseLong(fields[2]) - 1;
                    if (start <= last() && end >= first) {
                        throw overlap(database, line);
                    }
                }
            }
        }
    }

    private IllegalArgumentException overlap(Path database, String line) {
        return new IllegalArgumentException("run uid range " + first + "-" + last() + " overlaps " + database
                + " entry '" + line.split(":")[0] + "'; choose a range no user, group or subordinate id uses");
    }

    private static List<String> readIfPresent(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + " to check the run uid range", e);
        }
    }
}
