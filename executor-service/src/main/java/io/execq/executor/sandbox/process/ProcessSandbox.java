package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.BoundedOutput;
import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.Backend;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback: runs a spec as a hardened host process when Docker is unavailable and policy allows it.
 *
 * <p>Hardening ({@link ProcessCommand}): a new session, net+pid+mount namespaces when the host allows them,
 * rlimits, and, when the executor is root, a switch to a uid/gid of the run's own ({@link RunUsers}) without
 * groups, capabilities or new privileges; an environment of only {@code PATH}, {@code HOME} (the workspace),
 * {@code LANG} and the request's variables, and a fresh private workspace owned by the run's uid, deleted
 * afterwards. On timeout, and after every exit, all processes of the run are killed ({@link ProcessTree}): its
 * tree, its process group, and then every process of its uid, which also catches one that escaped both; only then
 * is the workspace deleted and the uid released. Because the uid is the run's own, {@code RLIMIT_NPROC} (which
 * counts all processes of the real uid on the host) limits this run alone: a fork bomb in one run does not stop
 * another from forking.
 *
 * <p>What it cannot do compared to a container: a read-only root fs (the program can write wherever any user may,
 * e.g. {@code /tmp}; such files outlive the run and a later run given the same uid can read them), a memory cgroup
 * (the limit is per-process address space, so an overrun is an allocation failure, never {@code oomKilled}), a CPU
 * quota. When the executor is not root it cannot switch users: programs run as the executor's user, and
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

    private final HostCapabilities caps;
    private final Path workspaceBase;
    private final Clock clock;
    private final Set<Protection> protections;
    private final RunUsers users;
    private final ExecutorService io;

    /** With the {@linkplain RunUsers#ofDefaults() default} uid pool. */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock) {
        this(caps, workspaceBase, clock, RunUsers.ofDefaults());
    }

    /**
     * @param caps what this host allows, usually {@link HostCapabilities#probe()}
     * @param workspaceBase where run workspaces are created; every run uid must be able to traverse it
     * @param clock source of the outcome's instants
     * @param users the uids runs get; used only when {@code caps} can switch users ({@code setpriv})
     */
    public ProcessSandbox(HostCapabilities caps, Path workspaceBase, Clock clock, RunUsers users) {
        this.caps = Objects.requireNonNull(caps, "caps");
        this.users = Objects.requireNonNull(users, "users");
        this.workspaceBase = Objects.requireNonNull(workspaceBase, "workspaceBase");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!Files.isDirectory(workspaceBase)) {
            throw new IllegalArgumentException("workspaceBase " + workspaceBase + " is not a directory");
        }
        this.protections = ProcessCommand.protections(caps);
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "execq-process-io-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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
        OptionalInt uid = caps.setpriv().isPresent() ? OptionalInt.of(users.acquire()) : OptionalInt.empty();
        boolean clean = false;
        try (ProcessWorkspace workspace = createWorkspace(spec, uid)) {
            Finished finished = null;
            try {
                finished = runIn(workspace, spec, uid);
                return finished.outcome();
            } finally {
                clean = finished != null && finished.namespaceEmpty();
                if (!clean && uid.isPresent()) {
                    clean = killEveryProcessOf(uid.getAsInt(), spec);
                }
            }
        } catch (IOException e) {
            log.warn("request {}: workspace clean-up failed: {}", spec.requestId(), e.toString());
            throw new SandboxRuntimeException("remove workspace", e.toString(), false, e);
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
            return ProcessWorkspace.create(workspaceBase, spec, uid);
        } catch (IOException e) {
            throw new SandboxRuntimeException("create workspace", e.toString(), true, e);
        }
    }

    private Finished runIn(ProcessWorkspace workspace, SandboxSpec spec, OptionalInt uid) throws SandboxException {
        List<String> argv = ProcessCommand.argv(caps, spec.limits(), uid, spec.argv());
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
            Optional<ExecFailures.StartFailure> users = ExecFailures.fromStart(e, spec.argv().get(0),
                    argv.get(0).equals(spec.argv().get(0)));
            if (users.isPresent()) {
                return notStarted(users.get());
            }
            throw new SandboxRuntimeException("start process", e.getMessage(), false, e);
        }
        Instant startedAt = clock.instant();
        BoundedOutput stdout = new BoundedOutput(spec.limits().maxOutputBytes());
        BoundedOutput stderr = new BoundedOutput(spec.limits().maxOutputBytes());
        CompletableFuture<Void> out = pump(process.getInputStream(), stdout);
        CompletableFuture<Void> err = pump(process.getErrorStream(), stderr);
        feed(process.getOutputStream(), spec.stdin());
        boolean timedOut = false;
        boolean namespaceEmpty = false;
        try {
            timedOut = !process.waitFor(spec.limits().timeout().toNanos(), TimeUnit.NANOSECONDS);
            // An exit status of 128 or more may mean unshare itself was killed (its child then dies on its own time).
            namespaceEmpty = !timedOut && caps.unshare().isPresent() && process.exitValue() < 128;
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
            if (process.isAlive()) {
                ProcessTree.killAll(process, caps.kill());
            }
            closeQuietly(process);
        }
        Instant finishedAt = clock.instant();
        OptionalInt exit = timedOut ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
        log.info("request {}: process run finished exit={} timedOut={} stdout={} stderr={}",
                spec.requestId(), exit, timedOut, stdout.totalBytes(), stderr.totalBytes());
        return new Finished(ExecFailures.classify(new SandboxOutcome(exit, timedOut, false, stdout.snapshot(),
                stderr.snapshot(), startedAt, finishedAt, Backend.PROCESS, protections, Optional.empty(),
                Optional.of(ProcessCommand.RUNTIME), Optional.empty())), namespaceEmpty);
    }

    /** A run whose first process could not be started for a reason of the user's: nothing of it exists. */
    private Finished notStarted(ExecFailures.StartFailure failure) {
        Instant now = clock.instant();
        return new Finished(new SandboxOutcome(OptionalInt.of(failure.exitCode()), false, false, CapturedStream.EMPTY,
                CapturedStream.EMPTY, now, now, Backend.PROCESS, protections, Optional.empty(),
                Optional.of(ProcessCommand.RUNTIME), Optional.empty(), Optional.of(failure.reason())), true);
    }

    private CompletableFuture<Void> pump(InputStream in, BoundedOutput sink) {
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
