package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a container runs its program: under Docker's init, and — when the host has a static busybox — under a
 * wall-clock deadline the container enforces on itself, so that a run whose executor died (SIGKILL, OOM, a lost
 * host) stops at its timeout plus {@link #MARGIN} instead of running until its program ends. The executor's own
 * kill at the timeout comes first whenever the executor is alive.
 *
 * <p>The process tree of a run ({@link #command}; every container is created with Docker's {@code Init}, which
 * bind-mounts the daemon's own static {@code docker-init} — tini — at {@value #DOCKER_INIT} and makes it PID 1):
 * <pre>
 *   PID 1  docker-init --                                  (Docker's; exits when its child exits: the container stops)
 *            busybox timeout -s KILL T+margin ...          (execs in place into the next line; forks a watcher)
 *              docker-init -s -- argv...                   (a second tini, a subreaper; forks and execs the program)
 *                program                                   (PATH lookup and exec by tini's execvp)
 *          busybox timeout's watcher                        (sleeps; at the deadline SIGKILLs the inner tini)
 * </pre>
 * At the deadline the watcher kills the inner tini; the outer one sees its child die and exits, and the kernel kills
 * everything left in the container's PID namespace. Why each piece:
 * <ul>
 *   <li>Nothing comes from the image: busybox is the host's ({@code /bin/busybox} of Debian's {@code busybox-static},
 *       checked to be a static executable at start-up and bind-mounted read-only at {@value #HELPER_IN_CONTAINER}),
 *       docker-init the daemon's.</li>
 *   <li>The inner tini: Debian's busybox prefers its own applets when it execs a bare name ({@code timeout 5 echo}
 *       runs busybox's echo, not the image's), so busybox must exec an absolute path; tini then finds the program
 *       in the image's {@code PATH} like any exec. It also makes exec failures uniform: tini reports them as
 *       {@code [FATAL tini (N)] exec PROG failed: REASON} with exit 127 (not found), 126 (no permission) or 1, which
 *       {@link DockerExecFailures} turns into a start failure.</li>
 *   <li>The outer tini (Docker's init): the watcher runs inside the container, and a process cannot SIGKILL the
 *       init of its own PID namespace; with Docker's init as PID 1 the program is an ordinary process.</li>
 * </ul>
 * Exit codes and signals pass through both tinis unchanged (a segfault is still 139, an OOM kill 137 with
 * {@code State.OOMKilled}); the executor's kill (of the container) kills them all at once.
 *
 * <p>What it cannot promise: the watcher runs as the run user, so a hostile program can kill it ({@code kill -9
 * -1}); such a container then runs until the executor kills it or, if the executor is dead, until the
 * {@link OrphanReaper} of another executor of the group (or the age rule) removes it. Without a usable helper
 * ({@link #none()}), runs still get both tinis but no deadline of their own. The helper's path is checked on the
 * executor's host: with a remote daemon the same static busybox must exist at that path on the daemon's host.
 */
public final class RunDeadline {

    private static final Logger log = LoggerFactory.getLogger(RunDeadline.class);

    /** Where Debian's {@code busybox-static} puts its binary. */
    public static final Path DEFAULT_HELPER = Path.of("/bin/busybox");
    /** How long after its timeout a run's container stops by itself. */
    public static final Duration MARGIN = Duration.ofSeconds(10);
    /** Where Docker mounts its init in a container created with {@code Init}. */
    static final String DOCKER_INIT = "/sbin/docker-init";
    /** Where the helper is mounted in every container. */
    static final String HELPER_IN_CONTAINER = "/.execq/busybox";
    private static final int PT_INTERP = 3;

    private final Optional<Path> helper;
    private final Duration margin;
    private final boolean innerInit;

    private RunDeadline(Optional<Path> helper, Duration margin) {
        this(helper, margin, true);
    }

    private RunDeadline(Optional<Path> helper, Duration margin, boolean innerInit) {
        this.helper = helper;
        this.innerInit = innerInit;
        if (margin.isNegative()) {
            throw new IllegalArgumentException("margin must not be negative, got " + margin);
        }
        this.margin = margin;
    }

    /** Runs under both tinis without a deadline of their own. */
    public static RunDeadline none() {
        return new RunDeadline(Optional.empty(), Duration.ZERO);
    }

    /**
     * For gVisor: the program is Docker's init's own child, with no helper and no inner tini. gVisor (Debian's
     * 2022-12 runsc) has no {@code PR_SET_CHILD_SUBREAPER}, so the inner {@code docker-init -s} dies at once
     * ({@code [FATAL tini] PR_SET_CHILD_SUBREAPER is unavailable}), and without {@code -s} it warns on the program's
     * stderr; Docker's init still reports exec failures in tini's words. No deadline of its own: a run on gVisor
     * whose executor dies runs until an orphan reaper removes it.
     */
    public static RunDeadline forGvisor() {
        return new RunDeadline(Optional.empty(), Duration.ZERO, false);
    }

    /** A deadline of timeout + {@link #MARGIN} with {@code helper}, or {@link #none()} (logged) when it is unusable. */
    public static RunDeadline probe(Path helper) {
        return probe(helper, MARGIN);
    }

    /** A deadline of timeout + {@code margin} with {@code helper}, or {@link #none()} (logged) when it is unusable. */
    public static RunDeadline probe(Path helper, Duration margin) {
        Optional<String> problem = problem(helper);
        if (problem.isPresent()) {
            log.warn("containers get no deadline of their own: {} {}; a run whose executor dies keeps running until "
                    + "another executor's orphan reaper removes it (install Debian's busybox-static, or set "
                    + "--deadline-helper)", helper, problem.get());
            return none();
        }
        return new RunDeadline(Optional.of(helper), margin);
    }

    /** Whether runs stop by themselves at their deadline. */
    public boolean enforced() {
        return helper.isPresent();
    }

    /** The host path of the helper, when there is one. */
    public Optional<Path> helper() {
        return helper;
    }

    /** The command that runs {@code argv} (as the container's entrypoint or from a warm container's launcher). */
    List<String> command(List<String> argv, Duration timeout) {
        List<String> command = new ArrayList<>();
        helper.ifPresent(h -> command.addAll(List.of(HELPER_IN_CONTAINER, "timeout", "-s", "KILL",
                Long.toString(seconds(timeout)))));
        if (innerInit) {
            command.addAll(List.of(DOCKER_INIT, "-s", "--"));
        }
        command.addAll(argv);
        return command;
    }

    /** The read-only bind mount of the helper, when there is one. */
    Optional<Mount> mount() {
        return helper.map(h -> new Mount().withType(MountType.BIND).withSource(h.toString())
                .withTarget(HELPER_IN_CONTAINER).withReadOnly(true));
    }

    /** Processes a container holds besides the program's own: the two tinis, and the watcher. */
    int extraProcesses() {
        return (helper.isPresent() ? 1 : 0) + (innerInit ? 2 : 1);
    }

    /** Whole seconds the watcher waits: the timeout rounded up, plus the margin. */
    long seconds(Duration timeout) {
        long millis = timeout.plus(margin).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /** Why {@code helper} cannot serve, or empty when it can. */
    static Optional<String> problem(Path helper) {
        Objects.requireNonNull(helper, "helper");
        if (!Files.isRegularFile(helper) || !Files.isExecutable(helper)) {
            return Optional.of("is not an executable file");
        }
        try {
            if (!isStaticElf(helper)) {
                return Optional.of("is not a static executable (a dynamic one cannot run in other images)");
            }
            Process probe = new ProcessBuilder(helper.toString(), "timeout", "-s", "KILL", "5", helper.toString(),
                    "true").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return Optional.of("did not answer 'timeout -s KILL 5 ... true' within 10 s");
            }
            return probe.exitValue() == 0 ? Optional.empty()
                    : Optional.of("is not a busybox with 'timeout' (exit " + probe.exitValue() + ")");
        } catch (IOException e) {
            return Optional.of("cannot be read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("probe interrupted");
        }
    }

    /** Whether {@code file} is a 64-bit little-endian ELF executable without a program interpreter. */
    static boolean isStaticElf(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = read(channel, 0, 64);
            if (header == null || header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                return false;
            }
            long programHeaders = header.getLong(0x20);
            int entrySize = Short.toUnsignedInt(header.getShort(0x36));
            int entries = Short.toUnsignedInt(header.getShort(0x38));
            if (entrySize < 4 || entries == 0) {
                return false;
            }
            for (int i = 0; i < entries; i++) {
                ByteBuffer entry = read(channel, programHeaders + (long) i * entrySize, 4);
                if (entry == null) {
                    return false;
                }
                if (entry.getInt(0) == PT_INTERP) {
                    return false;
                }
            }
            return true;
        }
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                return null;
            }
        }
        return buffer;
    }
}
