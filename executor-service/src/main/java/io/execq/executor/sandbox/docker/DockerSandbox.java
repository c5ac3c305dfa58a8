package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.execq.executor.sandbox.BoundedOutput;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.SandboxUnavailableException;
import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * Runs a spec in a hardened, throw-away Docker container (settings: {@link HardenedHostConfig}).
 *
 * <p>The stages of one run, each a method below:
 * <ol>
 *   <li>resolve the image to an id ({@link ImageResolver}; may pull);</li>
 *   <li>create the workspace volume and the container, copy the files into the volume;</li>
 *   <li>attach (before start, so no output is missed), start, feed stdin then EOF;</li>
 *   <li>await the end of the output stream, bounded by the wall-clock timeout; on timeout kill the container;</li>
 *   <li>inspect: exit code ({@code getExitCodeLong}) and the runtime's {@code OOMKilled} flag;</li>
 *   <li>always, in {@code finally}: force-remove the container and remove the volume, even when the calling
 *       thread was interrupted (the flag is cleared for the clean-up calls and restored afterwards).</li>
 * </ol>
 */
public final class DockerSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(DockerSandbox.class);

    /** How long to wait for the stream to drain and the state to settle after the exit or the kill. */
    /** How long a SIGKILLed container's OOM verdict may lag behind its exit (only asked for exit 137). */
    static final Duration OOM_VERDICT_WAIT = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DockerConnection docker;
    private final ImageResolver images;
    private final Clock clock;
    private final ExecutorService io;

    public DockerSandbox(DockerConnection docker, ImageResolver images, Clock clock) {
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
        return HardenedHostConfig.PROTECTIONS;
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
        ResolvedImage image = images.resolve(spec.image());
        Run run = new Run(spec);
        try {
            return run.execute(image);
        } catch (InterruptedException e) {
            throw new SandboxInterruptedException("run of request " + spec.requestId() + " interrupted", e);
        } finally {
            boolean interrupted = Thread.interrupted();
            run.cleanUp();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        io.shutdownNow();
        docker.close();
    }

    /** The mutable state of one run, so that clean-up knows exactly what was created. */
    private final class Run {
        private final SandboxSpec spec;
        private final DockerClient client = docker.client();
        private String volume;
        private String containerId;
        private AttachSession attach;

        Run(SandboxSpec spec) {
            this.spec = spec;
        }

        SandboxOutcome execute(ResolvedImage image) throws SandboxException, InterruptedException {
            Instant now = clock.instant();
            volume = call("create volume", () -> WorkspaceVolume.create(client, spec, now));
            containerId = call("create container", () -> create(image, now));
            call("copy files", () -> {
                WorkspaceVolume.populate(client, containerId, spec);
                return null;
            });
            BoundedOutput stdout = new BoundedOutput(spec.limits().maxOutputBytes());
            BoundedOutput stderr = new BoundedOutput(spec.limits().maxOutputBytes());
            attach = attach();
            CompletableFuture<Void> output = attach.pumpOutput(stdout, stderr, io);
            call("start container", () -> {
                client.startContainerCmd(containerId).exec();
                return null;
            });
            Instant startedAt = clock.instant();
            Instant wallStart = Instant.now(); // the daemon's event log speaks real time, whatever the injected clock
            long deadline = System.nanoTime() + spec.limits().timeout().toNanos();
            log.debug("request {}: container {} started from {}", spec.requestId(), containerId, image.id());
            attach.feedStdin(spec.stdin(), io);

            boolean timedOut = !awaitExit(output, deadline);
            if (timedOut) {
                kill();
            }
            awaitQuietly(output, SETTLE);
            InspectContainerResponse.ContainerState state = awaitStopped(System.nanoTime() + SETTLE.toNanos());
            Instant finishedAt = clock.instant();
            boolean oom = oomKilled(state, wallStart, timedOut);
            OptionalInt exit = timedOut ? OptionalInt.empty() : OptionalInt.of(exitCode(state));
            log.info("request {}: docker run finished exit={} timedOut={} oomKilled={} stdout={} stderr={}",
                    spec.requestId(), exit, timedOut, oom, stdout.totalBytes(), stderr.totalBytes());
            return new SandboxOutcome(exit, timedOut, oom, stdout.snapshot(), stderr.snapshot(), startedAt,
                    finishedAt, Backend.DOCKER, protections(), Optional.of(image.id()));
        }

        private String create(ResolvedImage image, Instant now) {
            List<String> env = new ArrayList<>();
            env.add("HOME=" + WorkspaceVolume.WORKSPACE);
            env.add("LANG=C.UTF-8");
            spec.env().forEach((k, v) -> env.add(k + "=" + v));
            return HardenedHostConfig.harden(client.createContainerCmd(image.id()), spec, volume, now)
                    .withName(volume)
                    .withEntrypoint(spec.argv())
                    .withCmd(List.of())
                    .withEnv(env)
                    .withWorkingDir(WorkspaceVolume.workingDir(spec))
                    .withAttachStdin(true)
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withStdinOpen(true)
                    .withStdInOnce(true)
                    .withTty(false)
                    .exec()
                    .getId();
        }

        private AttachSession attach() throws SandboxException {
            try {
                return AttachSession.open(docker.socketAddress(), containerId);
            } catch (IOException e) {
                throw new SandboxUnavailableException("attach to container " + containerId + " failed: " + e.getMessage(), e);
            }
        }

        /** True when the output stream ended before the deadline, then the container is stopping or stopped. */
        private boolean awaitExit(CompletableFuture<Void> output, long deadline) throws InterruptedException, SandboxException {
            try {
                output.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                log.debug("request {}: output pump failed", spec.requestId(), e.getCause());
            }
            // The streams can close before the program exits (it closed stdout/stderr itself): poll until it stops.
            while (System.nanoTime() < deadline) {
                if (!Boolean.TRUE.equals(inspect().getRunning())) {
                    return true;
                }
                Thread.sleep(50);
            }
            return false;
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
            if (attach != null) {
                attach.close();
            }
            if (containerId != null) {
                try {
                    client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
                } catch (NotFoundException e) {
                    // Already gone.
                } catch (RuntimeException e) {
                    log.warn("request {}: could not remove container {} (the reaper will): {}", spec.requestId(),
                            containerId, DockerErrors.rootMessage(e));
                }
            }
            if (volume != null) {
                try {
                    WorkspaceVolume.remove(client, volume);
                } catch (NotFoundException e) {
                    // Already gone.
                } catch (RuntimeException e) {
                    log.warn("request {}: could not remove volume {} (the reaper will): {}", spec.requestId(),
                            volume, DockerErrors.rootMessage(e));
                }
            }
        }
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
