package io.execq.bench;

import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** {@code docker run --rm} with the sandbox's hardening as flags ({@link DockerRunFlags}): what a script would do. */
final class DockerCliSeries extends NamedSeries {

    private final String dockerHost;
    private final Supplier<SandboxSpec> specs;

    DockerCliSeries(String dockerHost, Supplier<SandboxSpec> specs) {
        super("raw-docker-cli", "docker run --rm with the HardenedHostConfig values as flags (anonymous workspace "
                + "volume)");
        this.dockerHost = dockerHost;
        this.specs = specs;
    }

    @Override
    public void sample() throws Exception {
        Spawn.run(argv(dockerHost, specs.get()));
    }

    static List<String> argv(String dockerHost, SandboxSpec spec) {
        List<String> argv = new ArrayList<>(List.of("docker", "-H", dockerHost, "run", "--rm"));
        argv.addAll(DockerRunFlags.of(HardenedHostConfig.defaults().hostConfig(spec.limits(), java.util.Optional.empty()),
                HardenedHostConfig.RUN_USER, HardenedHostConfig.labels(spec, Instant.now())));
        argv.addAll(List.of("--entrypoint", spec.argv().get(0), spec.image()));
        argv.addAll(spec.argv().subList(1, spec.argv().size()));
        return argv;
    }
}
