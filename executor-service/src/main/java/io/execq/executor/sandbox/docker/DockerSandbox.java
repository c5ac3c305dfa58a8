package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import io.execq.executor.sandbox.BoundedOutput;
import io.execq.executor.sandbox.OutputListener;
import io.execq.executor.sandbox.CollectedArtifacts;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.executor.sandbox.RunControl;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.SandboxUnavailableException;
import io.execq.schema.Backend;
import io.execq.schema.Network;
import io.execq.schema.Protection;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
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
 * Runs a spec in a hardened, throw-away Docker container (settings: {@link HardenedHostConfig}).
 *
 * <p>The stages of one run, each a method below:
 * <ol>
 *   <li>resolve the image to an id ({@link ImageResolver}; may pull);</li>
 *   <li>take a started container from the {@link WarmPool}, if there is one for this image and these limits and
 *       the spec has no files ({@link Launcher}); else, without files, create the container (its workspace is a
 *       tmpfs, nothing is copied); with files (or a working dir), create the workspace volume (a capped tmpfs) and
 *       a container running the {@link Launcher}, start it, then copy the files in (a tmpfs volume keeps content
 *       only while a container runs on it, see {@link WorkspaceVolume});</li>
 *   <li>attach (before start, so no output is missed), start, feed stdin then EOF; a launcher container (warm or
 *       with files) is attached and started already: feed the launcher's line, then stdin, then EOF;</li>
 *   <li>await the end of the output stream, bounded by the wall-clock timeout; on timeout kill the container;</li>
 *   <li>inspect (once, the state that showed the exit): exit code ({@code getExitCodeLong}) and the runtime's
 *       {@code OOMKilled} flag;</li>
 *   <li>force-remove the container and remove the volume: on failure and interruption before the exception
 *       leaves {@code run} (the interrupt flag is cleared for the clean-up calls and restored afterwards); after
 *       an outcome, in the background right after it is returned ({@link #close} waits for those removals).</li>
 * </ol>
 */
public final class DockerSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(DockerSandbox.class);

    /** How long a SIGKILLed container's OOM verdict may lag behind its exit (only asked for exit 137). */
    static final Duration OOM_VERDICT_WAIT = Duration.ofSeconds(3);
    /** How long to wait for the stream to drain and the state to settle after the exit or the kill. */
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DockerConnection docker;
    private final ImageResolver images;
    private final Clock clock;
    private final ExecutorService io;
    private final Removals removals = new Removals();
    private final Optional<WarmPool> pool;
    private final RunContainers containers;

    /** A sandbox without a warm pool whose containers have no deadline of their own and no group scope. */
    public DockerSandbox(DockerConnection docker, ImageResolver images, Clock clock) {
        this(docker, images, clock, Optional.empty(), RunDeadline.none(), Optional.empty());
    }

    /**
     * A sandbox that takes a run's container from {@code pool} when it has a fitting one (and closes the pool), and
     * creates the others under {@code deadline}, labelled with {@code scope}; hardened as the pool's containers, or
     * by {@link HardenedHostConfig#defaults()} without a pool.
     */
    public DockerSandbox(DockerConnection docker, ImageResolver images, Clock clock, Optional<WarmPool> pool,
                         RunDeadline deadline, Optional<GroupScope> scope) {
        this(docker, images, clock, pool, pool.map(WarmPool::hardening).orElse(HardenedHostConfig.defaults()),
                deadline, scope);
    }

    /** A sandbox whose containers get {@code hardening}, no deadline of their own and no group scope. */
    public DockerSandbox(DockerConnection docker, ImageResolver images, Clock clock, Optional<WarmPool> pool,
                         HardenedHostConfig hardening) {
        this(docker, images, clock, pool, hardening, RunDeadline.none(), Optional.empty());
    }

    /**
     * A sandbox whose containers get {@code hardening} (the pool's must be the same instance, so that a warm run is
     * confined exactly as one in its own container), {@code deadline} and {@code scope}'s labels.
     */
    public DockerSandbox(DockerConnection docker, ImageResolver images, Clock clock, Optional<WarmPool> pool,
                         HardenedHostConfig hardening, RunDeadline deadline, Optional<GroupScope> scope) {
        if (pool.isPresent() && pool.get().hardening() != hardening) {
            throw new IllegalArgumentException("the warm pool must use the sandbox's hardening");
        }
        this.pool = Objects.requireNonNull(pool, "pool");
        this.containers = new RunContainers(hardening, deadline, scope);
        this.docker = Objects.requireNonNull(docker, "docker");
        this.images = Objects.requireNonNull(images, "images");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "execq-docker-io-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Backend backend() {
        return Backend.DOCKER;
    }

    @Override
    public Set<Protection> protections() {
        return containers.hardening().protections();
    }

    @Override
    public boolean healthy() {
        try {
            docker.client().pingCmd().exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public SandboxOutcome run(SandboxSpec spec) throws SandboxException {
        return run(spec, RunControl.none());
    }

    /** As {@link #run(SandboxSpec)}; a cancel through {@code control} kills the run's container. */
    @Override
    public SandboxOutcome run(SandboxSpec spec, RunControl control) throws SandboxException {
        ResolvedImage image = images.resolve(spec.image());
        Run run = new Run(spec, control);
        SandboxOutcome outcome;
        try {
            outcome = run.execute(image);
        } catch (InterruptedException e) {
            cleanUpNow(run);
            throw new SandboxInterruptedException("run of request " + spec.requestId() + " interrupted", e);
        } catch (SandboxException | RuntimeException e) {
            cleanUpNow(run);
            throw e;
        }
        // The outcome is final: the removals need not delay it, and close() waits for them.
        removals.submit(run::cleanUp, io);
        return outcome;
    }

    /** Removes what a failed run created before its exception leaves, even when the thread was interrupted. */
    private static void cleanUpNow(Run run) {
        boolean interrupted = Thread.interrupted();
        run.cleanUp();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code max} for the removals of finished runs; true when none is pending. */
    boolean awaitRemovals(Duration max) throws InterruptedException {
        return removals.await(max);
    }

    @Override
    public void close() {
        pool.ifPresent(WarmPool::close);
        try {
            if (!removals.await(SETTLE)) {
                log.warn("removals of finished runs still pending at close; the reaper will finish them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        io.shutdownNow();
        docker.close();
    }

    /** The mutable state of one run, so that clean-up knows exactly what was created. */
    private final class Run {
        private final SandboxSpec spec;
        private final RunControl control;
        private final DockerClient client = docker.client();
        private String volume;
        private String containerId;
        private AttachSession attach;
        private String holderId;
        private AttachSession holderAttach;

        Run(SandboxSpec spec, RunControl control) {
            this.spec = spec;
            this.control = control;
        }

        SandboxOutcome execute(ResolvedImage image) throws SandboxException, InterruptedException {
            Optional<WarmContainer> warm = pool.isPresent() ? pool.get().take(image.id(), spec) : Optional.empty();
            if (warm.isEmpty() && WorkspaceVolume.needed(spec)) {
                warm = Optional.of(launchWithFiles(image));
            }
            if (warm.isPresent()) {
                containerId = warm.get().id();
                attach = warm.get().attach();
            } else {
                create(image);
                attach = attach();
            }
            BoundedOutput stdout = new BoundedOutput(spec.limits().maxOutputBytes());
            BoundedOutput stderr = new BoundedOutput(spec.limits().maxOutputBytes());
            CompletableFuture<Void> output = attach.pumpOutput(control.tap(OutputListener.Stream.STDOUT, stdout),
                    control.tap(OutputListener.Stream.STDERR, stderr), io);
            byte[] input = spec.stdin();
            if (warm.isPresent()) {
                input = concat(Launcher.line(warm.get().processEnvironment(), spec, warm.get().deadline()), input);
            } else {
                call("start container", () -> {
                    client.startContainerCmd(containerId).exec();
                    return null;
                });
            }
            Instant startedAt = clock.instant();
            Instant wallStart = Instant.now(); // the daemon's event log speaks real time, whatever the injected clock
            long deadline = System.nanoTime() + spec.limits().timeout().toNanos();
            log.debug("request {}: {} container {} started from {}", spec.requestId(), warm.isPresent() ? "warm" : "new",
                    containerId, image.id());
            attach.feedStdin(input, io);
            control.onCancel(this::killOnCancel);

            Optional<InspectContainerResponse.ContainerState> exited = awaitExit(output, deadline);
            boolean timedOut = exited.isEmpty();
            if (timedOut) {
                kill();
            }
            awaitQuietly(output, SETTLE);
            InspectContainerResponse.ContainerState state = exited.isPresent() ? exited.get()
                    : awaitStopped(System.nanoTime() + SETTLE.toNanos());
            Instant finishedAt = clock.instant();
            control.clear();
            boolean oom = oomKilled(state, wallStart, timedOut || control.cancelledAt().isPresent());
            OptionalInt exit = timedOut ? OptionalInt.empty() : OptionalInt.of(exitCode(state));
            log.info("request {}: docker run finished exit={} timedOut={} oomKilled={} stdout={} stderr={}",
                    spec.requestId(), exit, timedOut, oom, stdout.totalBytes(), stderr.totalBytes());
            SandboxOutcome outcome = DockerExecFailures.classify(new SandboxOutcome(exit, timedOut, oom,
                    stdout.snapshot(), stderr.snapshot(), startedAt, finishedAt, Backend.DOCKER,
                    containers.hardening().protections(spec.network()), Optional.of(image.id()),
                    Optional.of(containers.hardening().runtimeName()),
                    Optional.of(containers.hardening().seccomp().name())), spec.argv().get(0));
            return spec.collect().any() ? outcome.withArtifacts(artifacts(state)) : outcome;
        }

        /**
         * The run's artifacts, read through the holder once the run's container has stopped (with it every process
         * of the run: they all lived in its pid namespace).
         */
        private CollectedArtifacts artifacts(InspectContainerResponse.ContainerState state) {
            if (Boolean.TRUE.equals(state.getRunning()) || holderId == null) {
                return CollectedArtifacts.notCollected("artifacts: not collected, the run's container did not stop");
            }
            try {
                return ArtifactReader.read(client, holderId, spec.collect());
            } catch (IOException | RuntimeException e) {
                log.warn("request {}: reading artifacts failed: {}", spec.requestId(), DockerErrors.rootMessage(e));
                return CollectedArtifacts.notCollected("artifacts: not collected: " + DockerErrors.rootMessage(e));
            }
        }

        /**
         * A second container on the workspace volume, waiting (for a line that never comes) while the run's own
         * container runs and stops: a tmpfs volume is unmounted, and its content lost, when its last running
         * container stops, so artifacts are read through this one. Hardened and labelled like the run's; it runs
         * nothing of the request.
         */
        private void startHolder(ResolvedImage image, Map<String, String> labels, Instant now)
                throws SandboxException {
            WarmContainer holder;
            try {
                holder = containers.launch(client, docker.daemon(), volume + "-artifacts", image.id(),
                        spec.limits(), labels, Optional.of(volume), HardenedHostConfig.VOLUME_MOUNT, now,
                        Network.NONE);
            } catch (IOException e) {
                throw new SandboxUnavailableException("attach to the artifact holder failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw DockerErrors.translate("start artifact holder", e);
            }
            holderId = holder.id();
            holderAttach = holder.attach();
        }

        /** Creates the run's own container, with a tmpfs workspace. */
        private void create(ResolvedImage image) throws SandboxException {
            Instant now = clock.instant();
            Map<String, String> labels = containers.labels(spec.requestId(), spec.executorId(), now);
            containerId = call("create container", () -> containers.create(client, "execq-" + UUID.randomUUID(),
                    image.id(), spec.limits(), labels, Optional.empty(),
                    containers.deadline().command(spec.argv(), spec.limits()), spec.env(),
                    WorkspaceVolume.workingDir(spec), spec.network()));
        }

        /**
         * The run's workspace volume and a started launcher container on it, the files copied in: it waits for its
         * line like a warm container.
         */
        private WarmContainer launchWithFiles(ResolvedImage image) throws SandboxException {
            Instant now = clock.instant();
            Map<String, String> labels = containers.labels(spec.requestId(), spec.executorId(), now);
            volume = call("create volume", () -> WorkspaceVolume.create(client, labels,
                    containers.hardening().workspaceVolumeOptions(spec.limits())));
            WarmContainer launched;
            try {
                launched = containers.launch(client, docker.daemon(), image.id(), spec.limits(), labels,
                        Optional.of(volume), HardenedHostConfig.VOLUME_MOUNT, now, spec.network());
            } catch (IOException e) {
                throw new SandboxUnavailableException("attach to a new container failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw DockerErrors.translate("start container", e);
            }
            containerId = launched.id();
            attach = launched.attach();
            try {
                WorkspaceVolume.populate(client, containerId, spec, io);
            } catch (IOException e) {
                throw new SandboxRuntimeException("copy files", e.getMessage(), false, e);
            } catch (RuntimeException e) {
                throw DockerErrors.translate("copy files", e);
            }
            if (spec.collect().any()) {
                startHolder(image, labels, now);
            }
            return launched;
        }

        private AttachSession attach() throws SandboxException {
            try {
                return AttachSession.open(docker.daemon(), containerId);
            } catch (IOException e) {
                throw new SandboxUnavailableException("attach to container " + containerId + " failed: " + e.getMessage(), e);
            }
        }

        /**
         * The stopped container's state when the output stream ended before the deadline and the container
         * stopped; empty when the deadline passed first.
         */
        private Optional<InspectContainerResponse.ContainerState> awaitExit(CompletableFuture<Void> output, long deadline)
                throws InterruptedException, SandboxException {
            try {
                output.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (ExecutionException e) {
                log.debug("request {}: output pump failed", spec.requestId(), e.getCause());
            }
            // The streams can close before the program exits (it closed stdout/stderr itself): poll until it stops.
            while (System.nanoTime() < deadline) {
                InspectContainerResponse.ContainerState state = inspect();
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    return Optional.of(state);
                }
                Thread.sleep(50);
            }
            return Optional.empty();
        }

        private void kill() throws SandboxException {
            try {
                client.killContainerCmd(containerId).exec();
            } catch (ConflictException e) {
                // Exited just now on its own; the timeout still applies, as the deadline passed first.
            } catch (RuntimeException e) {
                throw DockerErrors.translate("kill container", e);
            }
        }

        /** A cancel, on the canceller's thread: the run's thread sees the stream end and the container stopped. */
        private void killOnCancel() {
            try {
                client.killContainerCmd(containerId).exec();
            } catch (RuntimeException e) {
                log.info("request {}: kill on cancel: {}", spec.requestId(), DockerErrors.rootMessage(e));
            }
        }

        private InspectContainerResponse.ContainerState awaitStopped(long deadline) throws SandboxException, InterruptedException {
            while (true) {
                InspectContainerResponse.ContainerState state = inspect();
                if (!Boolean.TRUE.equals(state.getRunning()) || System.nanoTime() > deadline) {
                    return state;
                }
                Thread.sleep(20);
            }
        }

        private InspectContainerResponse.ContainerState inspect() throws SandboxException {
            return call("inspect container", () -> client.inspectContainerCmd(containerId).exec().getState());
        }

        /**
         * The OOM verdict, from the runtime's own witnesses only: the state flag; when that may have lost the race
         * with the exit, the daemon's oom event and a re-read flag; when Docker missed the kill entirely, the
         * kernel's log of it ({@link KernelOomLog}). Exit code 137 alone never makes a verdict.
         */
        private boolean oomKilled(InspectContainerResponse.ContainerState state, Instant since, boolean timedOut)
                throws InterruptedException {
            if (Boolean.TRUE.equals(state.getOOMKilled())) {
                return true;
            }
            if (timedOut || exitCode(state) != 137) {
                return false; // an OOM kill is always SIGKILL, and our own kill is not one: no need to ask
            }
            try {
                // The late OOM event may still be on its way: wait for it a bounded time, then ask the container,
                // whose flag the daemon's late OOM handler also sets.
                if (OomEvents.logged(client, containerId, since.minusSeconds(1), Instant.now().plus(OOM_VERDICT_WAIT))) {
                    return true;
                }
                if (Boolean.TRUE.equals(client.inspectContainerCmd(containerId).exec().getState().getOOMKilled())) {
                    return true;
                }
                return KernelOomLog.recordsKillIn(containerId);
            } catch (RuntimeException e) {
                log.warn("request {}: could not read oom events: {}", spec.requestId(), DockerErrors.rootMessage(e));
                return false;
            }
        }

        private int exitCode(InspectContainerResponse.ContainerState state) {
            Long code = state.getExitCodeLong();
            return code == null ? -1 : code.intValue();
        }

        private void awaitQuietly(CompletableFuture<Void> output, Duration max) throws InterruptedException {
            try {
                output.get(max.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.warn("request {}: output stream did not end within {} after exit", spec.requestId(), max);
            }
        }

        void cleanUp() {
            control.clear();
            if (attach != null) {
                attach.close();
            }
            if (holderAttach != null) {
                holderAttach.close();
            }
            RunContainers.remove(client, Optional.ofNullable(holderId), Optional.empty(),
                    "request " + spec.requestId());
            RunContainers.remove(client, Optional.ofNullable(containerId), Optional.ofNullable(volume),
                    "request " + spec.requestId());
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private interface DockerCall<T> {
        T call();
    }

    private static <T> T call(String stage, DockerCall<T> call) throws SandboxException {
        try {
            return call.call();
        } catch (RuntimeException e) {
            throw DockerErrors.translate(stage, e);
        }
    }
}
