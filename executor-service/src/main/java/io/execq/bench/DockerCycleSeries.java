package io.execq.bench;

import com.github.dockerjava.api.DockerClient;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.executor.sandbox.docker.WorkspaceVolume;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Docker floor through docker-java: create the workspace volume, create the container with exactly the
 * sandbox's hardening ({@link HardenedHostConfig#harden}), start, wait, force-remove, remove the volume. No
 * attach, no output capture, no OOM verdict: what remains is Docker's own cost of a hardened container.
 */
final class DockerCycleSeries extends NamedSeries {

    private final DockerClient client;
    private final Supplier<SandboxSpec> specs;

    DockerCycleSeries(DockerClient client, Supplier<SandboxSpec> specs) {
        super("raw-docker-java", "docker-java: create volume, create container with HardenedHostConfig, start, "
                + "wait, remove both");
        this.client = client;
        this.specs = specs;
    }

    @Override
    public void sample() throws Exception {
        SandboxSpec spec = specs.get();
        Instant now = Instant.now();
        String volume = WorkspaceVolume.create(client, spec, now);
        String container = null;
        try {
            container = HardenedHostConfig.harden(client.createContainerCmd(spec.image()), spec, volume, now)
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
            WorkspaceVolume.remove(client, volume);
        }
    }
}
