package io.execq.executor.sandbox;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The caller's handle on one run while it goes: a way to cancel it. A sandbox that supports cancellation
 * {@linkplain #onCancel registers} how to kill the run once it exists (Docker: kill the container; process: kill the
 * process tree) and {@linkplain #clear() clears} it before it cleans up; {@link #cancel} runs that kill on the
 * caller's thread. A cancellation that comes before the registration kills the run as soon as it registers.
 *
 * <p>A killed run still ends through the sandbox's normal path: its outcome has the output captured so far and the
 * exit status the kill gave it; {@link #cancelledAt()} tells the caller the kill was its own. Thread-safe.
 */
public final class RunControl {

    private final Clock clock;
    private Runnable killer;
    private Instant cancelledAt;
    private volatile OutputListener output = OutputListener.NONE;

    public RunControl(Clock clock) {
        this.clock = clock;
    }

    /** A control nobody cancels. */
    public static RunControl none() {
        return new RunControl(Clock.systemUTC());
    }

    /**
     * Cancels the run: kills it now if the sandbox registered its kill, or as soon as it does. Idempotent.
     *
     * @return true when this call cancelled it (false: it was cancelled already)
     */
    public boolean cancel() {
        Runnable kill;
        synchronized (this) {
            if (cancelledAt != null) {
                return false;
            }
            cancelledAt = clock.instant();
            kill = killer;
        }
        if (kill != null) {
            kill.run();
        }
        return true;
    }

    /** When the run was cancelled, if it was. */
    public synchronized Optional<Instant> cancelledAt() {
        return Optional.ofNullable(cancelledAt);
    }

    /** For sandboxes: how to kill the run from now on; runs it at once when the run is cancelled already. */
    public void onCancel(Runnable kill) {
        boolean now;
        synchronized (this) {
            killer = kill;
            now = cancelledAt != null;
        }
        if (now) {
            kill.run();
        }
    }

    /**
     * Lets {@code listener} see the run's output while it runs (streaming); set before the run starts. The
     * sandbox's captured output is the same with or without a listener.
     */
    public void listenOutput(OutputListener listener) {
        this.output = listener == null ? OutputListener.NONE : listener;
    }

    /**
     * For sandboxes: where a pump writes {@code stream}'s bytes: {@code sink} itself when nobody listens, else
     * {@code sink} and then the listener.
     */
    public java.io.OutputStream tap(OutputListener.Stream stream, BoundedOutput sink) {
        OutputListener listener = output;
        return listener == OutputListener.NONE ? sink : new TappedOutput(sink, stream, listener);
    }

    /** For sandboxes: the run is over (or being cleaned up); a later cancel kills nothing. */
    public synchronized void clear() {
        killer = null;
    }
}
