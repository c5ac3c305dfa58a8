package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.BoundedOutput;
import io.execq.executor.sandbox.OutputListener;
import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.RunControl;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.CollectedArtifacts;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.StartFailure;
import io.execq.schema.Backend;
import io.execq.schema.Network;
import io.execq.schema.Protection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback: runs a spec as a hardened host process when Docker is unavailable and policy allows it.
 *
 * <p>Hardening ({@link ProcessCommand}): with bubblewrap, own pid, net (loopback only), IPC and UTS namespaces, a
 * read-only view of the host's root with fresh size-capped tmpfs mounts for {@code /tmp}, {@code /var/tmp} and
 * {@code /dev/shm}, and a seccomp filter ({@link SeccompFilter}: no io_uring, vsock or AF_ALG sockets, keyrings,
 * userfaultfd, perf events, bpf, or user namespaces); without it, {@code unshare}'s pid, net, IPC and UTS
 * namespaces. Then rlimits, and, when the executor is root, a switch to a uid/gid of the run's own
 * ({@link RunUsers}) without groups, capabilities or new privileges; an environment of only {@code PATH},
 * {@code HOME} (the workspace), {@code LANG} and the request's variables. The workspace is fresh and private,
 * owned by the run's uid, and where the host allows mounts a tmpfs capped at {@code --max-workspace}
 * ({@link WorkspaceTmpfs}). Where the executor may create cgroups, each run gets its own memory, pids and cpu
 * cgroup ({@link RunCgroups}); a run the kernel OOM-kills there is reported {@code oomKilled} on the cgroup's own
 * evidence. On timeout, and after every exit, all processes of the run are killed ({@link ProcessTree}): its
 * tree, its process group, and then every process of its uid, which also catches one that escaped both; only then
 * are the workspace unmounted and deleted, the cgroups removed and the uid released; what the runs of an executor
 * that died left behind is removed when the next process sandbox on the host starts ({@link AbandonedRuns}).
 * Because the uid is the run's own, {@code RLIMIT_NPROC} (which counts all processes of the real uid on the host)
 * limits this run alone: a fork bomb in one run does not stop another from forking. IPC objects and private tmpfs
 * contents die with the run's namespaces.
 *
 * <p>What it cannot do compared to a container: it shares the host's kernel and sees the host's root file system
 * (read-only, and only what any user may read). Without bubblewrap there is no private /tmp (files a run leaves in
 * world-writable directories outlive it), no read-only root and no seccomp filter; without cgroups the memory
 * limit is per-process address space (an overrun is an allocation failure, never {@code oomKilled}) and there is
 * no CPU quota. When the executor is not root it cannot switch users: programs run as the executor's user, and
 * {@code RLIMIT_NPROC} then counts the executor's own processes too. {@link #protections()} says exactly what
 * applied.
 */
public final class ProcessSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(ProcessSandbox.class);

    static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** How long the processes of a run's uid may take to die and be reaped before the run is reported. */
    private static final Duration UID_KILL_PATIENCE = Duration.ofSeconds(10);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** The workspace cap when none is given ({@code --max-workspace}'s default). */
    public static final long DEFAULT_MAX_WORKSPACE_BYTES = 512L * 1024 * 1024;

    private final HostCapabilities caps;
    private final Path workspaceBase;
    private final Optional<WorkspaceTmpfs> tmpfs;
    private final Clock clock;
    private final Set<Protection> protections;
    private final RunUsers users;
    private final ExecutorService io;
    private final Optional<AbandonedRuns> abandoned;

    /** With the {@linkplain RunUsers#ofDefaults() default} uid pool and workspace cap. */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock) {
        this(caps, workspaceBase, clock, RunUsers.ofDefaults(), DEFAULT_MAX_WORKSPACE_BYTES);
    }

    /** With the {@linkplain RunUsers#ofDefaults() default} uid pool. */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock, long maxWorkspaceBytes) {
        this(caps, workspaceBase, clock, RunUsers.ofDefaults(), maxWorkspaceBytes);
    }

    /** With the default workspace cap. */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock, RunUsers users) {
        this(caps, workspaceBase, clock, users, DEFAULT_MAX_WORKSPACE_BYTES);
    }

    /**
     * @param caps what this host allows, usually {@link HostCapabilities#probe()}
     * @param workspaceBase where run workspaces are created; every run uid must be able to traverse it
     * @param clock source of the outcome's instants
     * @param users the uids runs get; used only when {@code caps} can switch users ({@code setpriv})
     * @param maxWorkspaceBytes size of a run's workspace tmpfs, when {@code caps} can mount one
     */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock, RunUsers users,
                          long maxWorkspaceBytes) {
        this.caps = Objects.requireNonNull(caps, "caps");
        this.users = Objects.requireNonNull(users, "users");
        this.workspaceBase = Objects.requireNonNull(workspaceBase, "workspaceBase");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!Files.isDirectory(workspaceBase)) {
            throw new IllegalArgumentException("workspaceBase " + workspaceBase + " is not a directory");
        }
        this.tmpfs = caps.tmpfs().map(t -> new WorkspaceTmpfs(t.mount(), t.umount(), maxWorkspaceBytes));
        this.protections = ProcessCommand.protections(caps);
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "execq-process-io-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.abandoned = caps.setpriv().map(setpriv -> new AbandonedRuns(users, caps.cgroups(), tmpfs, setpriv));
        sweepAbandonedRuns();
    }

    /**
     * Removes what the runs of executors that died left on this host: their processes (a program that cleared its
     * parent-death signal outlives its executor), cgroups and workspace mounts. Done at construction; call it
     * periodically so that such a program does not outlive its executor for long.
     *
     * @return how many abandoned runs were cleaned up
     */
    public int sweepAbandonedRuns() {
        return abandoned.map(AbandonedRuns::sweep).orElse(0);
    }

    @Override
    public Backend backend() {
        return Backend.PROCESS;
    }

    @Override
    public Set<Protection> protections() {
        return protections;
    }

    @Override
    public boolean healthy() {
        return !io.isShutdown();
    }

    /**
     * Runs {@code spec} as described in the class comment.
     *
     * @throws RunUsersExhaustedException when the executor can switch users and no uid of the pool is free
     *     (retriable)
     */
    @Override
    public SandboxOutcome run(SandboxSpec spec) throws SandboxException {
        return run(spec, RunControl.none());
    }

    /** As {@link #run(SandboxSpec)}; a cancel through {@code control} kills the run's process tree. */
    @Override
    public SandboxOutcome run(SandboxSpec spec, RunControl control) throws SandboxException {
        if (spec.network() != Network.NONE) {
            // The validator never routes such a run here (PreparedRun#isolation); a direct caller learns why.
            throw new SandboxRuntimeException("run on network " + spec.network(),
                    "the process fallback gives a run loopback only; network " + spec.network() + " needs Docker",
                    false, null);
        }
        OptionalInt uid = caps.setpriv().isPresent() ? OptionalInt.of(users.acquire()) : OptionalInt.empty();
        boolean clean = false;
        try {
            uid.ifPresent(u -> tmpfs.ifPresent(t -> t.sweep(u)));
            try (RunCgroups.Run cgroups = createCgroups(spec, uid);
                 ProcessWorkspace workspace = createWorkspace(spec, uid)) {
                Finished finished = null;
                try {
                    finished = runIn(workspace, cgroups, spec, uid, control);
                    for (int again = 1; again < SETUP_ATTEMPTS && setUpFailed(finished.outcome())
                            && control.cancelledAt().isEmpty(); again++) {
                        log.warn("request {}: the sandbox's set-up failed before the program ran ({}); starting it "
                                + "again", spec.requestId(), finished.outcome().stderr().text().strip());
                        pauseBeforeSetUp(again);
                        finished = runIn(workspace, cgroups, spec, uid, control);
                    }
                } finally {
                    clean = finished != null && finished.namespaceEmpty();
                    if (!clean && uid.isPresent()) {
                        clean = killEveryProcessOf(uid.getAsInt(), spec);
                    }
                }
                return withArtifacts(finished.outcome(), workspace, spec, clean);
            }
        } catch (IOException e) {
            log.warn("request {}: workspace or cgroup clean-up failed: {}", spec.requestId(), e.toString());
            throw new SandboxRuntimeException("remove workspace or cgroups", e.toString(), false, e);
        } finally {
            if (uid.isPresent()) {
                if (clean) {
                    users.releaseClean(uid.getAsInt());
                } else {
                    users.release(uid.getAsInt());
                }
            }
        }
    }

    /**
     * The outcome with the artifacts its spec asks for, read only when no process of the run is left ({@code clean}:
     * its pid namespace emptied, or every process of its uid killed), so that nothing changes the workspace while
     * it is read. Without a uid of its own a run's processes cannot be told from the executor's, so only a run
     * whose namespace provably emptied is read.
     */
    private SandboxOutcome withArtifacts(SandboxOutcome outcome, ProcessWorkspace workspace, SandboxSpec spec,
                                         boolean clean) {
        if (!spec.collect().any()) {
            return outcome;
        }
        if (!clean) {
            return outcome.withArtifacts(CollectedArtifacts.notCollected(
                    "artifacts: not collected, processes of the run may still be running"));
        }
        try {
            return outcome.withArtifacts(workspace.collect(spec.collect()));
        } catch (IOException e) {
            log.warn("request {}: reading artifacts failed: {}", spec.requestId(), e.toString());
            return outcome.withArtifacts(CollectedArtifacts.notCollected("artifacts: not collected: " + e));
        }
    }

    /** How often a run whose sandbox set-up failed (never its program) is started. */
    static final int SETUP_ATTEMPTS = 5;

    /**
     * A random pause of up to 10·2<sup>attempt</sup> ms (at most 300 ms in all) before set-up attempt {@code attempt}
     * (1-based after the first), so that a start is not tried again inside the same burst of mount changes that broke
     * the last one.
     */
    private static void pauseBeforeSetUp(int attempt) throws SandboxInterruptedException {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(10L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxInterruptedException("set-up retry interrupted", e);
        }
    }

    /**
     * Whether bubblewrap itself failed before the program ran: exit 1 with only its own message, which is not an exec
     * failure. bubblewrap 0.8 remounts each host mount it binds read-only one by one, and fails when one of them is
     * unmounted meanwhile ("Can't bind mount /oldroot/... remount ...: Invalid argument", containers/bubblewrap#650).
     * {@link HostRoot} keeps the runs' own workspaces out of that; mounts elsewhere (Docker's) can still change.
     * Nothing of the program ran, so the run is started again in the same workspace and cgroups.
     */
    static boolean setUpFailed(SandboxOutcome outcome) {
        String stderr = outcome.stderr().text();
        return !outcome.timedOut() && outcome.exitCode().orElse(0) == 1 && outcome.startFailure().isEmpty()
                && outcome.stdout().totalBytes() == 0 && stderr.startsWith("bwrap: ") && !stderr.contains("execvp")
                && stderr.strip().indexOf('\n') < 0;
    }

    /**
     * A run that ended, and whether it provably left no process behind: the program was the init of its own pid
     * namespace ({@code unshare --pid --fork}) and exited on its own. {@code unshare} exits only after its child,
     * and a namespace's init finishes exiting only once the kernel has killed and reaped every process in the
     * namespace, so nothing of the run is left: the kill nets and the {@code /proc} scan are skipped.
     */
    private record Finished(SandboxOutcome outcome, boolean namespaceEmpty) {
    }

    /**
     * Releasing a uid that still has processes is safe ({@link RunUsers#acquire} skips it until they are gone),
     * but it means the kernel kept a process of a run alive, so it is logged as an error.
     *
     * @return whether no process of {@code uid} is left
     */
    private boolean killEveryProcessOf(int uid, SandboxSpec spec) {
        if (!ProcessTree.killUser(caps.setpriv().orElseThrow(), uid, UID_KILL_PATIENCE, ProcUids::hasProcesses)) {
            log.error("request {}: processes of run uid {} survived {} of SIGKILL: {}", spec.requestId(), uid,
                    UID_KILL_PATIENCE, ProcUids.pidsOf(u -> u == uid));
            return false;
        }
        return true;
    }

    private ProcessWorkspace createWorkspace(SandboxSpec spec, OptionalInt uid) throws SandboxException {
        try {
            return ProcessWorkspace.create(workspaceBase, spec, uid, tmpfs);
        } catch (ProcessWorkspace.WorkspaceFullException e) {
            throw new SandboxRuntimeException("create workspace", e.getMessage(), false, e);
        } catch (IOException e) {
            throw new SandboxRuntimeException("create workspace", e.toString(), true, e);
        }
    }

    /** The run's cgroups (named after its uid, which no other run on the host holds), or none. */
    private RunCgroups.Run createCgroups(SandboxSpec spec, OptionalInt uid) throws SandboxException {
        String name = "run-" + (uid.isPresent() ? Integer.toString(uid.getAsInt()) : java.util.UUID.randomUUID().toString());
        try {
            return caps.cgroups().create(name, spec.limits());
        } catch (IOException e) {
            throw new SandboxRuntimeException("create cgroups", e.toString(), true, e);
        }
    }

    private Finished runIn(ProcessWorkspace workspace, RunCgroups.Run cgroups, SandboxSpec spec, OptionalInt uid,
                           RunControl control) throws SandboxException {
        List<String> argv = ProcessCommand.argv(caps, new ProcessCommand.Run(spec.limits(), uid,
                workspace.root(), workspace.workingDir(spec), spec.argv(),
                Optional.ofNullable(spec.env().get("PWD"))));
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(workspace.workingDir(spec).toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", PATH);
        env.put("HOME", workspace.root().toString());
        env.put("LANG", "C.UTF-8");
        env.putAll(spec.env());

        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            Optional<StartFailure> users = ExecFailures.fromStart(e, spec.argv().get(0),
                    argv.get(0).equals(spec.argv().get(0)));
            if (users.isPresent()) {
                return notStarted(users.get());
            }
            throw new SandboxRuntimeException("start process", e.getMessage(), false, e);
        }
        if (ProcessCommand.waitsForGo(caps)) {
            join(process, cgroups, spec);
        }
        Instant startedAt = clock.instant();
        BoundedOutput stdout = new BoundedOutput(spec.limits().maxOutputBytes());
        BoundedOutput stderr = new BoundedOutput(spec.limits().maxOutputBytes());
        CompletableFuture<Void> out = pump(process.getInputStream(), control.tap(OutputListener.Stream.STDOUT, stdout));
        CompletableFuture<Void> err = pump(process.getErrorStream(), control.tap(OutputListener.Stream.STDERR, stderr));
        feed(process.getOutputStream(), ProcessCommand.waitsForGo(caps) ? goThen(spec.stdin()) : spec.stdin());
        boolean timedOut = false;
        boolean namespaceEmpty = false;
        control.onCancel(() -> ProcessTree.killAll(process, caps.kill()));
        try {
            timedOut = !process.waitFor(spec.limits().timeout().toNanos(), TimeUnit.NANOSECONDS);
            // An exit status of 128 or more may mean unshare itself was killed (its child then dies on its own time).
            namespaceEmpty = !timedOut && (caps.bwrap().isPresent() || caps.unshare().isPresent())
                    && process.exitValue() < 128;
            if (!namespaceEmpty) {
                ProcessTree.killAll(process, caps.kill());
            }
            process.waitFor(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            drain(spec, CompletableFuture.allOf(out, err));
        } catch (InterruptedException e) {
            ProcessTree.killAll(process, caps.kill());
            Thread.currentThread().interrupt();
            throw new SandboxInterruptedException("run of request " + spec.requestId() + " interrupted", e);
        } finally {
            control.clear();
            if (process.isAlive()) {
                ProcessTree.killAll(process, caps.kill());
            }
            closeQuietly(process);
        }
        Instant finishedAt = clock.instant();
        OptionalInt exit = timedOut ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
        boolean oomKilled = oomKilled(cgroups, spec);
        log.info("request {}: process run finished exit={} timedOut={} oomKilled={} stdout={} stderr={}",
                spec.requestId(), exit, timedOut, oomKilled, stdout.totalBytes(), stderr.totalBytes());
        return new Finished(ExecFailures.classify(new SandboxOutcome(exit, timedOut, oomKilled, stdout.snapshot(),
                stderr.snapshot(), startedAt, finishedAt, Backend.PROCESS, protections, Optional.empty(),
                Optional.of(ProcessCommand.runtime(caps)), ProcessCommand.seccompProfile(caps))), namespaceEmpty);
    }

    /** A run whose first process could not be started for a reason of the user's: nothing of it exists. */
    private Finished notStarted(StartFailure failure) {
        Instant now = clock.instant();
        return new Finished(new SandboxOutcome(OptionalInt.of(failure.exitCode()), false, false, CapturedStream.EMPTY,
                CapturedStream.EMPTY, now, now, Backend.PROCESS, protections, Optional.empty(),
                Optional.of(ProcessCommand.runtime(caps)), ProcessCommand.seccompProfile(caps),
                Optional.of(failure.reason())), true);
    }

    /**
     * Moves the launch script, still waiting for its go line, into the run's cgroups: everything it starts is then
     * inside them from its first instruction.
     */
    private void join(Process process, RunCgroups.Run cgroups, SandboxSpec spec) throws SandboxException {
        try {
            cgroups.join(process.pid());
        } catch (IOException e) {
            ProcessTree.killAll(process, caps.kill());
            closeQuietly(process);
            throw new SandboxRuntimeException("join cgroups", e.toString(), true, e);
        }
    }

    private static byte[] goThen(byte[] stdin) {
        byte[] bytes = new byte[ProcessCommand.GO_LINE.length + stdin.length];
        System.arraycopy(ProcessCommand.GO_LINE, 0, bytes, 0, ProcessCommand.GO_LINE.length);
        System.arraycopy(stdin, 0, bytes, ProcessCommand.GO_LINE.length, stdin.length);
        return bytes;
    }

    /** The memory cgroup's own OOM kill count, never the exit status, decides. */
    private static boolean oomKilled(RunCgroups.Run cgroups, SandboxSpec spec) {
        try {
            return cgroups.oomKilled();
        } catch (IOException | RuntimeException e) {
            log.warn("request {}: cannot read the run's OOM kill count: {}", spec.requestId(), e.toString());
            return false;
        }
    }

    private CompletableFuture<Void> pump(InputStream in, OutputStream sink) {
        return CompletableFuture.runAsync(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException e) {
                // Stream closed by clean-up: what was read so far is kept.
            }
        }, io);
    }

    private void feed(OutputStream stdin, byte[] bytes) {
        io.execute(() -> {
            try (stdin) {
                stdin.write(bytes);
            } catch (IOException e) {
                // The program exited or closed stdin before reading everything: not an error.
            }
        });
    }

    private static void drain(SandboxSpec spec, CompletableFuture<Void> pumps) throws InterruptedException {
        try {
            pumps.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("request {}: output pipes still open {} after the kill; a process escaped?", spec.requestId(), SETTLE);
        }
    }

    private static void closeQuietly(Process process) {
        for (java.io.Closeable c : new java.io.Closeable[] {process.getInputStream(), process.getErrorStream(), process.getOutputStream()}) {
            try {
                c.close();
            } catch (IOException e) {
                // Already closed.
            }
        }
    }

    @Override
    public void close() {
        io.shutdownNow();
        users.close();
    }
}
