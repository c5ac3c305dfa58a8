package io.execq.sdk.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link TimeoutScheduler} that runs tasks only when the test advances time. */
final class ManualTimeouts implements TimeoutScheduler {

    private record Task(Duration due, Runnable action) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private Duration now = Duration.ZERO;

    @Override
    public synchronized Runnable schedule(Duration delay, Runnable action) {
        Task task = new Task(now.plus(delay), action);
        tasks.add(task);
        return () -> {
            synchronized (this) {
                tasks.remove(task);
            }
        };
    }

    /** Moves time forward and runs every task that became due. */
    void advance(Duration by) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            now = now.plus(by);
            for (Task task : tasks) {
                if (task.due().compareTo(now) <= 0) {
                    due.add(task);
                }
            }
            tasks.removeAll(due);
        }
        due.forEach(task -> task.action().run());
    }

    synchronized int scheduled() {
        return tasks.size();
    }

    @Override
    public void close() {
    }
}
