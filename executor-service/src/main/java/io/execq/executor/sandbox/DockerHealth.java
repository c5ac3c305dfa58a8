package io.execq.executor.sandbox;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the Docker sandbox is usable, from a circuit breaker fed by two sources: a periodic, time-bounded
 * {@link Sandbox#healthy()} probe, and the infrastructure failures of real runs ({@link #recordRun}).
 *
 * <p>Why tuned: resilience4j's defaults (a 100-call window) would need 100 failed calls to notice a dead
 * daemon. Here a window of {@value #WINDOW} calls opens after {@value #MINIMUM_CALLS} calls at
 * {@value #FAILURE_RATE}% failures, so with a probe every second a dead daemon is detected in about
 * {@value #MINIMUM_CALLS} seconds (immediately at start-up: the first probe's failure opens the breaker). A
 * probe slower than {@link #SLOW_PROBE} counts as slow and a window of only slow probes opens it too: a hung
 * daemon is as useless as a dead one. After {@link #WAIT_IN_OPEN} the next probe is let through (half-open) and
 * one success closes the breaker again: Docker is used again within seconds of its return.
 */
public final class DockerHealth implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DockerHealth.class);

    static final int WINDOW = 6;
    static final int MINIMUM_CALLS = 3;
    static final int FAILURE_RATE = 50;
    static final Duration SLOW_PROBE = Duration.ofSeconds(1);
    static final Duration WAIT_IN_OPEN = Duration.ofSeconds(2);
    /** Default probe period and per-probe deadline. */
    public static final Duration DEFAULT_PROBE_PERIOD = Duration.ofSeconds(1);
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final Sandbox docker;
    private final CircuitBreaker breaker;
    private final Duration probeTimeout;
    private final ExecutorService probes;
    private ScheduledFuture<?> schedule;

    public DockerHealth(Sandbox docker, Duration probeTimeout) {
        this(docker, probeTimeout, breakerConfig());
    }

    /** With another breaker configuration: tests shorten the open-state wait instead of sleeping through it. */
    DockerHealth(Sandbox docker, Duration probeTimeout, CircuitBreakerConfig config) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.breaker = CircuitBreaker.of("docker", config);
        this.probeTimeout = Objects.requireNonNull(probeTimeout, "probeTimeout");
        this.probes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "execq-docker-probe");
            t.setDaemon(true);
            return t;
        });
        breaker.getEventPublisher().onStateTransition(e -> log.warn("docker health: {}", e.getStateTransition()));
    }

    /** The tuned breaker configuration (see the class comment for why each value). */
    public static CircuitBreakerConfig breakerConfig() {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(WINDOW)
                .minimumNumberOfCalls(MINIMUM_CALLS)
                .failureRateThreshold(FAILURE_RATE)
                .slowCallDurationThreshold(SLOW_PROBE)
                .slowCallRateThreshold(100)
                .waitDurationInOpenState(WAIT_IN_OPEN)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(DockerHealth::isDaemonFault)
                .build();
    }

    /** Probes once now, then every {@code period} on {@code scheduler}. A failed first probe opens the breaker. */
    public synchronized void start(ScheduledExecutorService scheduler, Duration period) {
        if (schedule != null) {
            throw new IllegalStateException("already started");
        }
        if (!probeNow()) {
            breaker.transitionToOpenState();
        }
        schedule = scheduler.scheduleWithFixedDelay(this::probeNow, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs one probe, bounded by the probe timeout, and records it. While the breaker is open and its wait has
     * not passed, no probe runs. Returns whether the probe ran and succeeded.
     */
    public boolean probeNow() {
        if (!breaker.tryAcquirePermission()) {
            return false;
        }
        long start = System.nanoTime();
        try {
            Future<Boolean> probe = probes.submit(docker::healthy);
            boolean ok = probe.get(probeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            long took = System.nanoTime() - start;
            if (ok) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
            } else {
                breaker.onError(took, TimeUnit.NANOSECONDS, new ProbeFailure("ping failed"));
            }
            return ok;
        } catch (TimeoutException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, new ProbeFailure("ping timed out after " + probeTimeout));
            return false;
        } catch (InterruptedException e) {
            breaker.releasePermission();
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException | CallNotPermittedException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, new ProbeFailure(e.toString()));
            return false;
        }
    }

    /** True while the breaker is closed: Docker answered recently and runs are not failing on it. */
    public boolean available() {
        return breaker.getState() == CircuitBreaker.State.CLOSED;
    }

    /** The breaker's state name, for health endpoints and logs. */
    public String state() {
        return breaker.getState().name();
    }

    /**
     * Records the end of a real run: {@code failure} null for a completed run (whatever the user's exit), else the
     * infrastructure exception. Runs last as long as the user's code, so their duration says nothing about the
     * daemon: they are recorded with zero duration and never count as slow.
     */
    public void recordRun(SandboxException failure) {
        if (failure == null) {
            breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        } else {
            breaker.onError(0, TimeUnit.NANOSECONDS, failure);
        }
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.cancel(false);
        }
        probes.shutdownNow();
    }

    /** Daemon faults open the breaker; a missing image, a 4xx refusal or an interrupt says nothing about Docker's health. */
    static boolean isDaemonFault(Throwable e) {
        return e instanceof ProbeFailure
                || e instanceof SandboxUnavailableException
                || (e instanceof SandboxRuntimeException r && r.retriable());
    }

    static final class ProbeFailure extends RuntimeException {
        ProbeFailure(String message) {
            super(message, null, false, false);
        }
    }
}
