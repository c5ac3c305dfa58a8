package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes containers and volumes that sandbox runs left behind.
 *
 * <p>Why it exists: every run removes its container and volume in a {@code finally}, but an executor that is
 * killed (OOM, SIGKILL, power loss) never reaches it, and a container without a wall-clock watcher runs until
 * its program ends. Everything a run creates is labelled {@code execq.managed=true} with its executor id and
 * creation time, so this reaper can find the leftovers: at start-up (a restarted executor cleans its own
 * previous life) and periodically.
 *
 * <p>Scope: with an executor id, only that executor's leftovers are considered; without, every managed
 * container. Only resources older than {@code minAge} are removed, so runs in flight (on this or another
 * executor) are never touched: choose {@code minAge} above the longest allowed run timeout.
 */
public final class OrphanReaper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

    private final DockerClient docker;
    private final Clock clock;
    private final Optional<String> executorId;
    private final Duration minAge;
    private ScheduledFuture<?> schedule;

    public OrphanReaper(DockerClient docker, Clock clock, Optional<String> executorId, Duration minAge) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executorId = Objects.requireNonNull(executorId, "executorId");
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("minAge must not be negative, got " + minAge);
        }
        this.minAge = minAge;
    }

    /** Reaps now and then every {@code period} on {@code scheduler}; failures are logged, never thrown. */
    public synchronized void start(ScheduledExecutorService scheduler, Duration period) {
        if (schedule != null) {
            throw new IllegalStateException("already started");
        }
        schedule = scheduler.scheduleWithFixedDelay(this::reapQuietly, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Removes every matching container (forced: running ones are killed) and then every matching volume that
     * is no longer in use. Returns the number of containers removed.
     */
    public int reapNow() {
        Instant cutoff = clock.instant().minus(minAge);
        int containers = 0;
        for (Container container : docker.listContainersCmd().withShowAll(true).withLabelFilter(labelFilter()).exec()) {
            if (createdAt(container.getLabels(), Instant.ofEpochSecond(container.getCreated())).isAfter(cutoff)) {
                continue;
            }
            try {
                docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
                containers++;
                log.warn("reaped orphan container {} of request {}", container.getId(),
                        container.getLabels().get(HardenedHostConfig.LABEL_REQUEST_ID));
            } catch (NotFoundException e) {
                // Removed by its own run meanwhile.
            }
        }
        for (InspectVolumeResponse volume : managedVolumes()) {
            if (createdAt(volume.getLabels(), Instant.EPOCH).isAfter(cutoff)) {
                continue;
            }
            try {
                docker.removeVolumeCmd(volume.getName()).exec();
                log.warn("reaped orphan volume {}", volume.getName());
            } catch (RuntimeException e) {
                // In use (its container is still being removed) or already gone: the next pass takes it.
                log.debug("volume {} not reaped: {}", volume.getName(), e.getMessage());
            }
        }
        return containers;
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private void reapQuietly() {
        try {
            reapNow();
        } catch (RuntimeException e) {
            log.warn("orphan reaping failed, will retry: {}", DockerErrors.rootMessage(e));
        }
    }

    private Map<String, String> labelFilter() {
        return executorId
                .map(id -> Map.of(HardenedHostConfig.LABEL_MANAGED, "true", HardenedHostConfig.LABEL_EXECUTOR_ID, id))
                .orElse(Map.of(HardenedHostConfig.LABEL_MANAGED, "true"));
    }

    private List<InspectVolumeResponse> managedVolumes() {
        List<String> filters = new ArrayList<>();
        labelFilter().forEach((k, v) -> filters.add(k + "=" + v));
        List<InspectVolumeResponse> volumes = docker.listVolumesCmd().withFilter("label", filters).exec().getVolumes();
        return volumes == null ? List.of() : volumes;
    }

    private static Instant createdAt(Map<String, String> labels, Instant fallback) {
        String millis = labels == null ? null : labels.get(HardenedHostConfig.LABEL_CREATED_AT);
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
