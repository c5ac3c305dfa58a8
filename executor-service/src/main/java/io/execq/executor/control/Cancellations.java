package io.execq.executor.control;

import io.execq.executor.sandbox.RunControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The cancellations this executor knows of, and the runs it could kill. Fed by the {@link ControlReader} (every
 * executor reads the whole control topic), asked by the pipeline: a waiting request whose id is here never starts, a
 * running one is killed through its {@link RunControl}. A cancellation that arrives before its request (the request
 * is still in Kafka, or on its way) is kept, so it applies when the request is fetched.
 *
 * <p>Bounded: an id is kept for {@code window} after its cancellation was published (the control topic's retention,
 * so a restarted executor catches up on exactly what a running one still holds), and at most {@code maxEntries}
 * ids are kept (the oldest go first). Thread-safe: the reader thread adds, the loop thread asks, run threads
 * register.
 */
public final class Cancellations {

    /** How a cancellation took effect on this executor, for {@code execq_cancellations_total{outcome}}. */
    public enum Outcome {
        /** Read from the control topic (every executor counts every cancellation once). */
        RECEIVED,
        /** A running request was killed. */
        KILLED,
        /** A waiting request was answered CANCELLED without starting. */
        NOT_STARTED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private final Duration window;
    private final int maxEntries;
    private final Clock clock;
    private final Consumer<Outcome> counter;
    /** Request id to when its cancellation was published; insertion order is (about) time order. */
    private final LinkedHashMap<String, Instant> cancelled = new LinkedHashMap<>();
    private final Map<RunControl, String> running = new IdentityHashMap<>();

    public Cancellations(Duration window, int maxEntries, Clock clock, Consumer<Outcome> counter) {
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.window = window;
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.counter = counter;
    }

    /** How long a cancellation is kept after it was published. */
    public Duration window() {
        return window;
    }

    /** A cancellation of {@code requestId}, published at {@code at}: kills its runs here, if any. */
    public void cancel(String requestId, Instant at) {
        List<RunControl> toKill;
        synchronized (this) {
            expire();
            if (!clock.instant().isBefore(at.plus(window))) {
                return; // older than the window: its request has been answered, or never will be here
            }
            cancelled.remove(requestId);
            cancelled.put(requestId, at);
            if (cancelled.size() > maxEntries) {
                Iterator<String> eldest = cancelled.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            toKill = running.entrySet().stream().filter(e -> e.getValue().equals(requestId))
                    .map(Map.Entry::getKey).toList();
        }
        counter.accept(Outcome.RECEIVED);
        toKill.forEach(this::kill);
    }

    /** Whether {@code requestId} is cancelled (within the window). */
    public synchronized boolean isCancelled(String requestId) {
        expire();
        return cancelled.containsKey(requestId);
    }

    /** A waiting request was answered CANCELLED without running. */
    public void notStarted() {
        counter.accept(Outcome.NOT_STARTED);
    }

    /**
     * Tracks a run of {@code requestId} until the returned handle is closed. When the id is cancelled already (the
     * cancellation arrived between the admit check and the start), {@code control} is cancelled at once: the caller
     * checks {@link RunControl#cancelledAt()} before it starts the run.
     */
    public Tracked track(String requestId, RunControl control) {
        boolean already;
        synchronized (this) {
            expire();
            running.put(control, requestId);
            already = cancelled.containsKey(requestId);
        }
        if (already) {
            control.cancel(); // before the sandbox registered a kill: the caller sees it and does not start
        }
        return () -> {
            synchronized (Cancellations.this) {
                running.remove(control);
            }
        };
    }

    /** Nothing is ever cancelled: for pipelines without a control topic (tests). */
    public static Cancellations none() {
        return new Cancellations(Duration.ofMillis(1), 1, Clock.systemUTC(), outcome -> { });
    }

    /** Ids held now (after expiry). */
    public synchronized int size() {
        expire();
        return cancelled.size();
    }

    private void kill(RunControl control) {
        if (control.cancel()) {
            counter.accept(Outcome.KILLED);
        }
    }

    private void expire() {
        Instant oldest = clock.instant().minus(window);
        Iterator<Map.Entry<String, Instant>> it = cancelled.entrySet().iterator();
        while (it.hasNext() && it.next().getValue().isBefore(oldest)) {
            it.remove();
        }
    }

    /** A run being tracked; close it when the run ends. */
    public interface Tracked extends AutoCloseable {
        @Override
        void close();
    }

    /** For logs. */
    public synchronized Optional<Instant> cancelledAt(String requestId) {
        expire();
        return Optional.ofNullable(cancelled.get(requestId));
    }
}
