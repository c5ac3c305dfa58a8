package io.execq.sdk.internal;

import java.time.Duration;

/** The one thing {@link PendingResults} needs from time: run a task later, or not at all. Tests supply a manual one. */
public interface TimeoutScheduler extends AutoCloseable {

    /**
     * Runs {@code task} once after {@code delay}.
     *
     * @return cancels the task if it has not run yet; calling it after the task ran does nothing
     */
    Runnable schedule(Duration delay, Runnable task);

    /** Drops every scheduled task and stops the scheduler's thread, if it has one. */
    @Override
    void close();
}
