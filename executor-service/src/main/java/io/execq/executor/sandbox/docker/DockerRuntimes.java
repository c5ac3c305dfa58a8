package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.RuntimeInfo;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI runtime Docker runs get, checked against what dockerd knows ({@code docker info}: {@code Runtimes},
 * {@code DefaultRuntime}), so that a misspelt or unregistered runtime stops the executor at start-up instead of
 * failing every run at container creation.
 */
public final class DockerRuntimes {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntimes.class);
    static final Duration INFO_TIMEOUT = Duration.ofSeconds(5);

    private DockerRuntimes() {
    }

    /**
     * An OCI runtime dockerd knows.
     *
     * @param gvisor whether it is gVisor's {@code runsc} (its registered path ends in {@code runsc})
     */
    public record Runtime(String name, boolean gvisor) {
    }

    /**
     * The runtime to name in every container: {@code requested} when dockerd knows it, else dockerd's default when
     * none was requested; empty when dockerd cannot be asked and none was requested (a requested one is then used
     * unverified, and runs fail at creation if dockerd does not know it).
     *
     * @param flag how the operator set {@code requested}, for the message
     * @throws IllegalArgumentException when dockerd answers and does not know {@code requested}
     */
    public static Optional<Runtime> resolve(DockerClient client, Optional<String> requested, String flag) {
        Info info;
        try {
            // Bounded like the health probe: a daemon that accepts but never answers must not hold up start-up.
            info = CompletableFuture.supplyAsync(() -> client.infoCmd().exec())
                    .get(INFO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String why = e instanceof ExecutionException ? DockerErrors.rootMessage(e.getCause()) : e.toString();
            requested.ifPresent(name -> log.warn("dockerd unreachable at start-up ({}): runtime {} used unverified",
                    why, name));
            return requested.map(name -> new Runtime(name, name.endsWith("runsc")));
        }
        Map<String, RuntimeInfo> runtimes = info.getRuntimes() == null ? Map.of() : info.getRuntimes();
        String name = requested.orElseGet(() -> info.getRawValues().get("DefaultRuntime") instanceof String fallback
                && !fallback.isBlank() ? fallback : HardenedHostConfig.DEFAULT_RUNTIME);
        if (requested.isPresent() && !runtimes.containsKey(name)) {
            throw new IllegalArgumentException(flag + " " + name + ": dockerd does not know this runtime (it knows "
                    + String.join(", ", new TreeSet<>(runtimes.keySet())) + "). Register it under \"runtimes\" in "
                    + "/etc/docker/daemon.json and send dockerd SIGHUP; for gVisor: bash ops/lib/runsc.sh ensure");
        }
        RuntimeInfo registered = runtimes.get(name);
        String path = registered == null || registered.getPath() == null ? name : registered.getPath();
        return Optional.of(new Runtime(name, path.endsWith("runsc")));
    }
}
