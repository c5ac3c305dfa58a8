package io.execq.executor.sandbox.docker;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Removals running in the background, so that closing can wait for them. */
final class Removals {

    private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

    void submit(Runnable removal, Executor executor) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        pending.add(future);
        try {
            executor.execute(() -> {
                try {
                    removal.run();
                } finally {
                    pending.remove(future);
                    future.complete(null);
                }
            });
        } catch (RuntimeException e) {
            // The executor is shut down: remove on the caller's thread instead of leaving it to the reaper.
            pending.remove(future);
            removal.run();
        }
    }

    /** Waits up to {@code max} for every removal submitted so far; true when none is pending. */
    boolean await(Duration max) throws InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
        try {
            all.get(max.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            // Removals log their own failures.
        }
        return pending.isEmpty();
    }
}
