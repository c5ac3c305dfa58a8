package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes containers and volumes that sandbox runs left behind.
 *
 * <p>Why it exists: every run removes its container and volume in a {@code finally}, but an executor that is
 * killed (OOM, SIGKILL, power loss) never reaches it. Its containers stop by themselves at their deadline
 * ({@link RunDeadline}), but they and their volumes stay until someone removes them. Everything a run creates is
 * labelled {@code execq.managed=true} with its executor id, creation time and (when the executor knows it) its
 * {@link GroupScope}, so this reaper can find the leftovers: at start-up those of this executor's previous life,
 * then periodically those whose owner left the group (asked through {@link GroupMembership}, the moment its session
 * has timed out) and anything older than any run can be. Which is which is {@link OrphanRule}'s decision.
 *
 * <p>Removal is forced: a running orphan is killed. Volumes go after the containers of the same pass, so a volume
 * whose container was just removed is free; one still in use waits for the next pass.
 */
public final class OrphanReaper implements AutoCloseable, MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

    private final DockerClient docker;
    private final Clock clock;
    private final OrphanRule rule;
    private final Optional<GroupMembership> membership;
    private final Deque<OrphanRule.Observation> recent = new ArrayDeque<>();
    private final Map<OrphanRule.Reason, AtomicLong> containersReaped = counters();
    private final Map<OrphanRule.Reason, AtomicLong> volumesReaped = counters();
    private ScheduledFuture<?> schedule;
    private volatile boolean failing;

    /**
     * @param membership who is in the group now; without it (or without a scope in {@code rule}) only the age rule
     *                   applies after start-up
     */
    public OrphanReaper(DockerClient docker, Clock clock, OrphanRule rule, Optional<GroupMembership> membership) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.membership = Objects.requireNonNull(membership, "membership");
    }

    /** Reaps every {@code period} on {@code scheduler}, the first time now; failures are logged, never thrown. */
    public synchronized void start(ScheduledExecutorService scheduler, Duration period) {
        if (schedule != null) {
            throw new IllegalStateException("already started");
        }
        schedule = scheduler.scheduleWithFixedDelay(this::reapQuietly, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * At start-up, before this executor creates anything: removes what an earlier executor with this executor's id
     * left (see {@link OrphanRule#atStartUp}). Returns the number of containers removed.
     */
    public synchronized int reapPreviousLife() {
        Map<String, String> mine = Map.of(HardenedHostConfig.LABEL_MANAGED, "true",
                HardenedHostConfig.LABEL_EXECUTOR_ID, rule.executorId());
        return reap(mine, labels -> rule.atStartUp(labels.labels()));
    }

    /**
     * Asks the group who is alive, then removes every managed container and volume {@link OrphanRule#periodic}
     * calls an orphan. Returns the number of containers removed.
     */
    public synchronized int reapNow() {
        observe();
        Instant now = clock.instant();
        List<OrphanRule.Observation> answers = List.copyOf(recent);
        return reap(Map.of(HardenedHostConfig.LABEL_MANAGED, "true"),
                resource -> rule.periodic(resource.labels(), resource.createdAt(), now, answers));
    }

    /** Orphans removed so far by this reaper, containers and volumes, per reason. */
    long reaped(OrphanRule.Reason reason) {
        return containersReaped.get(reason).get() + volumesReaped.get(reason).get();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (OrphanRule.Reason reason : OrphanRule.Reason.values()) {
            register(registry, reason, "container", containersReaped.get(reason));
            register(registry, reason, "volume", volumesReaped.get(reason));
        }
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private record Resource(Map<String, String> labels, Instant createdAt) {
    }

    private int reap(Map<String, String> filter, Function<Resource, Optional<OrphanRule.Reason>> verdict) {
        int removed = 0;
        for (Container container : docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec()) {
            Resource resource = new Resource(container.getLabels(),
                    createdAt(container.getLabels(), Instant.ofEpochSecond(container.getCreated())));
            Optional<OrphanRule.Reason> reason = verdict.apply(resource);
            if (reason.isPresent() && removeContainer(container, reason.get())) {
                removed++;
            }
        }
        for (InspectVolumeResponse volume : volumes(filter)) {
            Resource resource = new Resource(volume.getLabels(), createdAt(volume.getLabels(), Instant.EPOCH));
            verdict.apply(resource).ifPresent(reason -> removeVolume(volume, reason));
        }
        return removed;
    }

    private boolean removeContainer(Container container, OrphanRule.Reason reason) {
        try {
            docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
            containersReaped.get(reason).incrementAndGet();
            log.warn("reaped orphan container {} ({}) of request {} by executor {}: {}", container.getId(),
                    container.getState(), label(container.getLabels(), HardenedHostConfig.LABEL_REQUEST_ID),
                    label(container.getLabels(), HardenedHostConfig.LABEL_EXECUTOR_ID), reason.tag());
            return true;
        } catch (NotFoundException e) {
            return false; // removed by its own run meanwhile
        }
    }

    private void removeVolume(InspectVolumeResponse volume, OrphanRule.Reason reason) {
        try {
            docker.removeVolumeCmd(volume.getName()).exec();
            volumesReaped.get(reason).incrementAndGet();
            log.warn("reaped orphan volume {} by executor {}: {}", volume.getName(),
                    label(volume.getLabels(), HardenedHostConfig.LABEL_EXECUTOR_ID), reason.tag());
        } catch (RuntimeException e) {
            // In use (its container is still being removed) or already gone: the next pass takes it.
            log.debug("volume {} not reaped: {}", volume.getName(), e.getMessage());
        }
    }

    /** Adds the coordinator's answer to the last two; an unanswered question clears them. */
    private void observe() {
        if (membership.isEmpty()) {
            return;
        }
        Optional<Set<String>> live = membership.get().liveExecutorIds();
        if (live.isEmpty()) {
            recent.clear();
            return;
        }
        recent.addLast(new OrphanRule.Observation(clock.instant(), live.get()));
        while (recent.size() > 2) {
            recent.removeFirst();
        }
    }

    private void reapQuietly() {
        try {
            reapNow();
            failing = false;
        } catch (RuntimeException e) {
            // Every period while Docker is down: say it once per outage.
            if (!failing) {
                log.warn("orphan reaping failed, will retry every period: {}", DockerErrors.rootMessage(e));
            }
            failing = true;
        }
    }

    private List<InspectVolumeResponse> volumes(Map<String, String> filter) {
        List<String> labels = filter.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        List<InspectVolumeResponse> volumes = docker.listVolumesCmd().withFilter("label", labels).exec().getVolumes();
        return volumes == null ? List.of() : volumes;
    }

    private static void register(MeterRegistry registry, OrphanRule.Reason reason, String resource, AtomicLong count) {
        FunctionCounter.builder("execq.orphans.reaped", count, AtomicLong::get)
                .description("Containers and volumes of runs removed by the orphan reaper, by reason")
                .tag("reason", reason.tag()).tag("resource", resource).register(registry);
    }

    private static Map<OrphanRule.Reason, AtomicLong> counters() {
        Map<OrphanRule.Reason, AtomicLong> counters = new EnumMap<>(OrphanRule.Reason.class);
        for (OrphanRule.Reason reason : OrphanRule.Reason.values()) {
            counters.put(reason, new AtomicLong());
        }
        return counters;
    }

    private static String label(Map<String, String> labels, String key) {
        return labels == null ? null : labels.get(key);
    }

    private static Instant createdAt(Map<String, String> labels, Instant fallback) {
        String millis = label(labels, HardenedHostConfig.LABEL_CREATED_AT);
        if (millis == null) {
            return fallback;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(millis));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
