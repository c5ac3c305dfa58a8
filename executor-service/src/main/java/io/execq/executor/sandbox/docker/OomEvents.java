package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks the daemon whether it logged an {@code oom} event for a container.
 *
 * <p>Why, beside {@code State.OOMKilled}: containerd's shim reports the OOM and the exit from two goroutines,
 * and Docker 20.10 copies the OOM flag into the container state only when the OOM event is processed before
 * the exit event. Under load the order flips and the state says {@code OOMKilled=false} for a container the
 * kernel OOM-killed; the daemon still logs the {@code oom} event. Both are the runtime's own report; nothing
 * is inferred from exit code 137 (which only decides whether the question is worth a bounded wait).
 */
final class OomEvents {

    private OomEvents() {
    }

    /** Whether an {@code oom} event exists for {@code containerId} between {@code since} and {@code until}. */
    static boolean logged(DockerClient docker, String containerId, Instant since, Instant until) throws InterruptedException {
        AtomicBoolean seen = new AtomicBoolean();
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                seen.set(true);
            }
        };
        try (callback) {
            docker.eventsCmd()
                    .withContainerFilter(containerId)
                    .withEventFilter("oom")
                    .withSince(Long.toString(since.getEpochSecond()))
                    .withUntil(Long.toString(until.getEpochSecond()))
                    .exec(callback);
            callback.awaitCompletion(until.toEpochMilli() - Instant.now().toEpochMilli() + 5000, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            // close() of a finished stream
        }
        return seen.get();
    }
}
