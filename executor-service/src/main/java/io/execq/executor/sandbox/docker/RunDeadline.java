package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import io.execq.executor.sandbox.SandboxLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a container runs its program: as the direct child of Docker's init and — when the host has a static busybox —
 * under a wall-clock deadline the container enforces on itself, so that a run whose executor died (SIGKILL, OOM, a
 * lost host) stops at its timeout plus {@link #MARGIN} instead of running until its program ends. The executor's own
 * kill at the timeout comes first whenever the executor is alive.
 *
 * <p>The process tree of a run ({@link #command}; every container is created with Docker's {@code Init}, which
 * bind-mounts the daemon's own static {@code docker-init} — tini — and makes it PID 1):
 * <pre>
 *   PID 1  docker-init --                               (Docker's; exits when its child exits: the container stops)
 *            busybox timeout -s KILL T+margin ...       (forks the watcher, then execs in place into the program)
 *              [/usr/bin/env --]                        (the image's, only for names busybox also provides; execs)
 *                program                                (PID 1's own child)
 *          busybox timeout's watcher                     (a grandchild of the timeout, re-parented to PID 1; sleeps,
 *                                                        and at the deadline SIGKILLs the program)
 * </pre>
 * At the deadline the watcher kills the program; Docker's init sees its child die and exits, and the kernel kills
 * everything left in the container's PID namespace. Why each piece:
 * <ul>
 *   <li>Nothing comes from the image but its own {@code env}: busybox is the host's ({@code /bin/busybox} of Debian's
 *       {@code busybox-static}, checked to be a static executable at start-up and bind-mounted read-only at
 *       {@value #HELPER_IN_CONTAINER}), docker-init the daemon's.</li>
 *   <li>Between PID 1 and the program there is no process of its own: a program's {@code kill(-1)} (which spares
 *       only PID 1 and itself) reaches at most the watcher, so the run goes on as it would without a deadline (the
 *       executor's kill, and the orphan reaper, remain). A supervisor between them would die with it and end the
 *       run.</li>
 *   <li>{@code /usr/bin/env}: busybox execs a bare name that is also one of its applets as that applet ({@code
 *       timeout 5 echo} runs busybox's echo, not the image's), so such names ({@link #applets}: {@code sh},
 *       {@code cat}, {@code echo}, ...) are handed to the image's {@code env}, which looks them up in the image's
 *       {@code PATH} like any exec and execs in place. Other names, and paths, busybox execs itself with
 *       {@code execvp}.</li>
 * </ul>
 * Exec failures are reported by whichever exec failed ({@code timeout: can't execute 'PROG': REASON}, {@code env:
 * 'PROG': REASON}, or, without the helper, tini's {@code [FATAL tini (N)] exec PROG failed: REASON}), exit 127 or
 * 126; {@link DockerExecFailures} turns each into a start failure. Exit codes and signals pass through Docker's init
 * unchanged (a segfault is still 139, an OOM kill 137 with {@code State.OOMKilled}).
 *
 * <p>What it cannot promise: the watcher runs as the run user, so a hostile program can kill it ({@code kill -9
 * -1}); such a container then runs until the executor kills it or, if the executor is dead, until the
 * {@link OrphanReaper} of another executor of the group (or the age rule) removes it. A run limited to one process
 * gets no watcher: while it starts, busybox's timeout holds two processes besides its own (its child and the
 * watcher), which a pids limit of program + 2 has room for only when the program may have two. Without a usable
 * helper ({@link #none()}) the program is Docker's init's child with no deadline of its own. gVisor runs the same
 * tree (it lacks {@code PR_SET_CHILD_SUBREAPER}, which only a supervisor between the two would need). The helper's
 * path is checked on the executor's host: with a remote daemon the same static busybox must exist at that path on
 * the daemon's host.
 */
public final class RunDeadline {

    private static final Logger log = LoggerFactory.getLogger(RunDeadline.class);

    /** Where Debian's {@code busybox-static} puts its binary. */
    public static final Path DEFAULT_HELPER = Path.of("/bin/busybox");
    /** How long after its timeout a run's container stops by itself. */
    public static final Duration MARGIN = Duration.ofSeconds(10);
    /** Where the helper is mounted in every container. */
    static final String HELPER_IN_CONTAINER = "/.execq/busybox";
    /** The image's program that looks up names busybox would take for its own applets. */
    static final String IMAGE_ENV = "/usr/bin/env";
    /** Processes busybox's timeout holds at once while it starts: itself, its child and the watcher it forks. */
    private static final int TIMEOUT_START_PROCESSES = 3;
    private static final int PT_INTERP = 3;

    private final Optional<Path> helper;
    private final Duration margin;
    private final Set<String> applets;

    private RunDeadline(Optional<Path> helper, Duration margin, Set<String> applets) {
        if (margin.isNegative()) {
            throw new IllegalArgumentException("margin must not be negative, got " + margin);
        }
        this.helper = helper;
        this.margin = margin;
        this.applets = Set.copyOf(applets);
    }

    /** The program as Docker's init's child, without a deadline of its own (no usable helper). */
    public static RunDeadline none() {
        return new RunDeadline(Optional.empty(), Duration.ZERO, Set.of());
    }

    /** A deadline of timeout + {@link #MARGIN} with {@code helper}, or {@link #none()} (logged) when it is unusable. */
    public static RunDeadline probe(Path helper) {
        return probe(helper, MARGIN);
    }

    /** A deadline of timeout + {@code margin} with {@code helper}, or {@link #none()} (logged) when it is unusable. */
    public static RunDeadline probe(Path helper, Duration margin) {
        Optional<String> problem = problem(helper);
        Set<String> applets = problem.isPresent() ? Set.of() : applets(helper);
        if (problem.isEmpty() && applets.isEmpty()) {
            problem = Optional.of("did not list its applets ('--list')");
        }
        if (problem.isPresent()) {
            log.warn("containers get no deadline of their own: {} {}; a run whose executor dies keeps running until "
                    + "another executor's orphan reaper removes it (install Debian's busybox-static, or set "
                    + "--deadline-helper)", helper, problem.get());
            return none();
        }
        return new RunDeadline(Optional.of(helper), margin, applets);
    }

    /** Whether runs stop by themselves at their deadline (those limited to one process aside). */
    public boolean enforced() {
        return helper.isPresent();
    }

    /** The host path of the helper, when there is one. */
    public Optional<Path> helper() {
        return helper;
    }

    /** Whether a run whose program may have {@code pids} processes gets the watcher. */
    boolean watches(int pids) {
        return helper.isPresent() && pids >= TIMEOUT_START_PROCESSES - 1;
    }

    /**
     * The command that runs {@code argv} within {@code limits} (as the container's entrypoint or from a warm
     * container's launcher): {@code argv} itself, or behind the watcher's timeout.
     */
    List<String> command(List<String> argv, SandboxLimits limits) {
        if (!watches(limits.pids())) {
            return argv;
        }
        List<String> command = new ArrayList<>(List.of(HELPER_IN_CONTAINER, "timeout", "-s", "KILL",
                Long.toString(seconds(limits.timeout()))));
        if (applets.contains(argv.get(0))) {
            command.addAll(List.of(IMAGE_ENV, "--"));
        }
        command.addAll(argv);
        return command;
    }

    /** The read-only bind mount of the helper, when there is one. */
    Optional<Mount> mount() {
        return helper.map(h -> new Mount().withType(MountType.BIND).withSource(h.toString())
                .withTarget(HELPER_IN_CONTAINER).withReadOnly(true));
    }

    /**
     * The container's pids limit for a program allowed {@code pids} processes: Docker's init and, when it is there,
     * the watcher come on top, so the program keeps exactly its own limit. (While the timeout starts it holds three
     * processes besides Docker's init, before the program exists; a program of two processes or more leaves room.)
     */
    long pidsLimit(int pids) {
        return pids + 1L + (watches(pids) ? 1 : 0);
    }

    /** Whole seconds the watcher waits: the timeout rounded up, plus the margin. */
    long seconds(Duration timeout) {
        long millis = timeout.plus(margin).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /** The names {@code helper} execs as its own applets, as {@code --list} prints them; empty when it cannot. */
    static Set<String> applets(Path helper) {
        try {
            Process list = new ProcessBuilder(helper.toString(), "--list").redirectErrorStream(true).start();
            byte[] out = list.getInputStream().readNBytes(1 << 20);
            if (!list.waitFor(10, TimeUnit.SECONDS)) {
                list.destroyForcibly();
                return Set.of();
            }
            if (list.exitValue() != 0) {
                return Set.of();
            }
            return new String(out, StandardCharsets.UTF_8).lines().map(String::strip).filter(s -> !s.isEmpty())
                    .collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            return Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        }
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
