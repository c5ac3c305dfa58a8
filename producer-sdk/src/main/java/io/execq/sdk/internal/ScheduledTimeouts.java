package io.execq.sdk.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link TimeoutScheduler} on one daemon thread, shared by all the waits of one client. */
public final class ScheduledTimeouts implements TimeoutScheduler {

    private final ScheduledThreadPoolExecutor executor;

    public ScheduledTimeouts(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        // Without this a cancelled wait stays in the queue until its deadline: thousands of answered requests
        // with 30 s timeouts would pin thousands of tasks.
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Runnable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
