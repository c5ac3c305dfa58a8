package io.execq.bench;

import com.github.dockerjava.api.DockerClient;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Docker floor through docker-java: create the workspace volume, create the container with exactly the
 * sandbox's hardening ({@link HardenedHostConfig#harden}), start, wait, force-remove. No
 * attach, no output capture, no OOM verdict: what remains is Docker's own cost of a hardened container.
 */
final class DockerCycleSeries extends NamedSeries {

    private final DockerClient client;
    private final Supplier<SandboxSpec> specs;

    DockerCycleSeries(DockerClient client, Supplier<SandboxSpec> specs) {
        super("raw-docker-java", "docker-java: create container with HardenedHostConfig (tmpfs workspace), start, "
                + "wait, remove");
        this.client = client;
        this.specs = specs;
    }

    @Override
    public void sample() throws Exception {
        SandboxSpec spec = specs.get();
        Instant now = Instant.now();
        String container = null;
        try {
            // A run without files gets the sandbox's tmpfs workspace (no volume), as DockerSandbox does.
            container = HardenedHostConfig.defaults().harden(client.createContainerCmd(spec.image()), spec.limits(),
                            HardenedHostConfig.labels(spec, now), Optional.empty())
                    .withEntrypoint(spec.argv()).withCmd(List.of()).exec().getId();
            client.startContainerCmd(container).exec();
            int exit = client.waitContainerCmd(container).start()
                    .awaitStatusCode(spec.limits().timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (exit != 0) {
                throw new IllegalStateException("container exited with " + exit);
            }
        } finally {
            if (container != null) {
                client.removeContainerCmd(container).withForce(true).exec();
            }
        }
    }
}
