package io.execq.executor.sandbox.docker;

import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Started, hardened, single-use containers kept ready so that a run skips container create and start, the bulk
 * of Docker's cost per run.
 *
 * <p>What a warm container is: a container created by the same code and with the same {@link HardenedHostConfig}
 * as any run's (tmpfs workspace, limits of its {@link Profile}), started with {@link Launcher#ENTRYPOINT}, which
 * waits for one line on stdin, and attached since before its start. A run takes one whose image id and container
 * limits (memory, CPU, pids) equal its own, writes the {@link Launcher#line} and its stdin, and from there on it is
 * that run's container: timeout kill, exit code, OOM verdict, output caps and removal are the run's, as for a
 * container created for it. A container is never handed out twice, and never goes back to the pool.
 *
 * <p>What it does not do: serve runs with files or a working dir (their workspace is a volume filled before
 * start), runs with other limits or images than its profiles, or change a container's limits. Those runs create
 * their container as before (counted as misses when {@link Launcher#canLaunch} held).
 *
 * <p>Life cycle: {@link #start} fills every profile to {@code size} on a background thread, which refills after
 * each take and replaces containers idle longer than {@code maxIdle} (keep it well under the orphan reaper's
 * minimum age: a pool container carries its creation time like any run's, request id {@value #POOL_REQUEST_ID}).
 * {@link #close} stops refilling and removes every idle container; the executor's start-up reaper removes those of
 * a crashed predecessor.
 */
public final class WarmPool implements AutoCloseable, MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(WarmPool.class);

    /** The {@code execq.request-id} label of pool containers, which are created before their request is known. */
    public static final String POOL_REQUEST_ID = "warm-pool";
    private static final Duration FAILURE_BACKOFF = Duration.ofSeconds(5);

    /**
     * What one share of the pool is for: runs of {@code image} whose container limits equal {@code limits}' (the
     * timeout and the output cap are not container settings and may differ).
     */
    public record Profile(String image, SandboxLimits limits) {
        public Profile {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(limits, "limits");
        }

        boolean fits(SandboxLimits run) {
            return run.memoryBytes() == limits.memoryBytes() && run.milliCpus() == limits.milliCpus()
                    && run.pids() == limits.pids();
        }
    }

    private final DockerConnection docker;
    private final ImageResolver images;
    private final Clock clock;
    private final String executorId;
    private final RunContainers containers;
    private final int size;
    private final Duration maxIdle;
    private final List<Slot> slots;
    private final ScheduledExecutorService filler;
    private final AtomicBoolean refillQueued = new AtomicBoolean();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile boolean closed;

    /** A pool whose containers get {@link HardenedHostConfig#defaults()}, no deadline of their own, no group scope. */
    public WarmPool(DockerConnection docker, ImageResolver images, Clock clock, String executorId,
                    List<Profile> profiles, int size, Duration maxIdle) {
        this(docker, images, clock, executorId, profiles, size, maxIdle, HardenedHostConfig.defaults(),
                RunDeadline.none(), Optional.empty());
    }

    /** A pool whose containers get {@link HardenedHostConfig#defaults()}, {@code deadline} and {@code scope}'s labels. */
    public WarmPool(DockerConnection docker, ImageResolver images, Clock clock, String executorId,
                    List<Profile> profiles, int size, Duration maxIdle, RunDeadline deadline,
                    Optional<GroupScope> scope) {
        this(docker, images, clock, executorId, profiles, size, maxIdle, HardenedHostConfig.defaults(), deadline,
                scope);
    }

    /**
     * @param size containers kept ready per profile, at least 1
     * @param maxIdle how long a container may wait for a run before it is replaced
     * @param hardening the containers' settings: the same instance as the sandbox's, so that a warm run is confined
     *     exactly as a run in its own container
     * @param deadline how its containers run the program they are given
     * @param scope the group scope its containers are labelled with
     */
    public WarmPool(DockerConnection docker, ImageResolver images, Clock clock, String executorId,
                    List<Profile> profiles, int size, Duration maxIdle, HardenedHostConfig hardening,
                    RunDeadline deadline, Optional<GroupScope> scope) {
        this.containers = new RunContainers(hardening, deadline, scope);
        this.docker = Objects.requireNonNull(docker, "docker");
        this.images = Objects.requireNonNull(images, "images");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executorId = Objects.requireNonNull(executorId, "executorId");
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, got " + size);
        }
        if (maxIdle.isNegative() || maxIdle.isZero()) {
            throw new IllegalArgumentException("maxIdle must be positive, got " + maxIdle);
        }
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException("a warm pool needs at least one profile");
        }
        this.size = size;
        this.maxIdle = maxIdle;
        this.slots = profiles.stream().distinct().map(Slot::new).collect(Collectors.toUnmodifiableList());
        this.filler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "execq-warm-pool");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Fills the pool in the background now, then keeps it filled and fresh. */
    public void start() {
        filler.scheduleWithFixedDelay(this::retireAndRefill, 0, Math.max(1, maxIdle.toMillis() / 4),
                TimeUnit.MILLISECONDS);
    }

    /**
     * A warm container for {@code spec} whose image resolved to {@code imageId}, now owned by the caller; empty when
     * the spec needs a container of its own or none is ready.
     */
    Optional<WarmContainer> take(String imageId, SandboxSpec spec) {
        if (closed || !Launcher.canLaunch(spec)) {
            return Optional.empty();
        }
        for (Slot slot : slots) {
            if (!imageId.equals(slot.imageId) || !slot.profile.fits(spec.limits())) {
                continue;
            }
            WarmContainer container;
            while ((container = slot.idle.pollFirst()) != null) {
                if (container.attach().openAndSilent()) {
                    hits.incrementAndGet();
                    queueRefill();
                    return Optional.of(container);
                }
                log.warn("warm container {} died while idle; discarding it", container.id());
                discard(container);
            }
        }
        misses.incrementAndGet();
        queueRefill();
        return Optional.empty();
    }

    /** The settings of this pool's containers. */
    HardenedHostConfig hardening() {
        return containers.hardening();
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }

    /** Containers ready now, over all profiles. */
    int idle() {
        return slots.stream().mapToInt(slot -> slot.idle.size()).sum();
    }

    /** Whether every profile has {@code size} containers ready. */
    boolean full() {
        return slots.stream().allMatch(slot -> slot.idle.size() >= size);
    }

    /** Ids of the containers ready now. */
    Set<String> idleIds() {
        return slots.stream().flatMap(slot -> slot.idle.stream()).map(WarmContainer::id).collect(Collectors.toSet());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("execq.warm.pool.idle", this, WarmPool::idle)
                .description("Warm containers ready for a run").register(registry);
        FunctionCounter.builder("execq.warm.pool.hits", hits, AtomicLong::get)
                .description("Runs served by a warm container").register(registry);
        FunctionCounter.builder("execq.warm.pool.misses", misses, AtomicLong::get)
                .description("Runs a warm container could have served that found none ready").register(registry);
    }

    /** Stops refilling and removes every idle container. */
    @Override
    public void close() {
        closed = true;
        filler.shutdown(); // not interrupted: a container being prepared is finished, then removed

        try {
            if (!filler.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("warm pool filler still busy at close; the reaper will remove what it creates");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot slot : slots) {
            WarmContainer container;
            while ((container = slot.idle.pollFirst()) != null) {
                discard(container);
            }
        }
    }

    private void queueRefill() {
        if (!closed && refillQueued.compareAndSet(false, true)) {
            try {
                filler.execute(this::retireAndRefill);
            } catch (RuntimeException e) {
                refillQueued.set(false); // closing
            }
        }
    }

    private void retireAndRefill() {
        refillQueued.set(false);
        Instant oldest = clock.instant().minus(maxIdle);
        for (Slot slot : slots) {
            slot.idle.removeIf(container -> {
                if (container.createdAt().isBefore(oldest)) {
                    discard(container);
                    return true;
                }
                return false;
            });
        }
        for (Slot slot : slots) {
            while (!closed && slot.idle.size() < size && !Thread.currentThread().isInterrupted()) {
                if (!slot.fill()) {
                    break;
                }
            }
        }
    }

    private void discard(WarmContainer container) {
        container.attach().close();
        RunContainers.remove(docker.client(), Optional.of(container.id()), Optional.empty(), "warm pool");
    }

    /** One profile's containers. */
    private final class Slot {
        private final Profile profile;
        private final ConcurrentLinkedDeque<WarmContainer> idle = new ConcurrentLinkedDeque<>();
        private volatile String imageId = "";
        private Instant failedAt = Instant.MIN;

        Slot(Profile profile) {
            this.profile = profile;
        }

        /** Adds one container; false (logged, retried after a pause) when that failed. */
        boolean fill() {
            if (failedAt.isAfter(clock.instant().minus(FAILURE_BACKOFF))) {
                return false;
            }
            try {
                String resolved = images.resolve(profile.image()).id();
                if (!resolved.equals(imageId)) {
                    // The reference moved to another image: containers of the old one would never match again.
                    idle.forEach(WarmPool.this::discard);
                    idle.clear();
                    imageId = resolved;
                }
                WarmContainer container = create(resolved);
                if (closed) {
                    discard(container);
                    return false;
                }
                idle.addLast(container);
                return true;
            } catch (SandboxException | IOException | RuntimeException e) {
                failedAt = clock.instant();
                log.warn("warm pool: cannot prepare a container of {}: {}", profile.image(),
                        e instanceof RuntimeException ? DockerErrors.rootMessage(e) : e.getMessage());
                return false;
            }
        }

        private WarmContainer create(String imageId) throws IOException {
            Instant now = clock.instant();
            return containers.launch(docker.client(), docker.daemon(), imageId, profile.limits(),
                    containers.labels(POOL_REQUEST_ID, executorId, now), Optional.empty(),
                    HardenedHostConfig.WORKSPACE, now, io.execq.schema.Network.NONE);
        }
    }
}
