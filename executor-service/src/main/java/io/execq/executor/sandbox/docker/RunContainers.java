package io.execq.executor.sandbox.docker;

import io.execq.schema.Network;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerConfig;
import io.execq.executor.sandbox.SandboxLimits;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creating and removing the hardened containers of runs, for {@link DockerSandbox} and {@link WarmPool} alike: every
 * container gets the executor's {@link HardenedHostConfig} and {@link RunDeadline}, and labels with its
 * {@link GroupScope}.
 */
final class RunContainers {

    private static final Logger log = LoggerFactory.getLogger(RunContainers.class);

    /** The environment every run starts from (the image's own variables and Docker's {@code HOSTNAME} aside). */
    static final List<String> BASE_ENV = List.of("HOME=" + HardenedHostConfig.WORKSPACE, "LANG=C.UTF-8");

    private final HardenedHostConfig hardening;
    private final RunDeadline deadline;
    private final Optional<GroupScope> scope;

    /** Containers hardened by {@link HardenedHostConfig#defaults()}. */
    RunContainers(RunDeadline deadline, Optional<GroupScope> scope) {
        this(HardenedHostConfig.defaults(), deadline, scope);
    }

    RunContainers(HardenedHostConfig hardening, RunDeadline deadline, Optional<GroupScope> scope) {
        this.hardening = Objects.requireNonNull(hardening, "hardening");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.scope = Objects.requireNonNull(scope, "scope");
    }

    HardenedHostConfig hardening() {
        return hardening;
    }

    RunDeadline deadline() {
        return deadline;
    }

    /** The labels of a container or volume created at {@code createdAt} for {@code requestId} by {@code executorId}. */
    Map<String, String> labels(String requestId, String executorId, Instant createdAt) {
        Map<String, String> labels = new HashMap<>(HardenedHostConfig.labels(requestId, executorId, createdAt));
        scope.ifPresent(s -> labels.putAll(s.labels()));
        return Map.copyOf(labels);
    }

    /**
     * Creates a container (not started) from {@code imageId}, hardened by {@link HardenedHostConfig}, under Docker's
     * init and with the deadline helper mounted, that executes {@code entrypoint} with {@link #BASE_ENV} plus
     * {@code env}, stdin open for one attach; returns its id.
     */
    String create(DockerClient client, String name, String imageId, SandboxLimits limits,
                  Map<String, String> labels, Optional<String> volume, List<String> entrypoint,
                  Map<String, String> env, String workingDir, Network network) {
        List<String> variables = new ArrayList<>(BASE_ENV);
        env.forEach((k, v) -> variables.add(k + "=" + v));
        CreateContainerCmd cmd = hardening.harden(client.createContainerCmd(imageId), limits, labels, volume);
        return cmd.withHostConfig(HardenedHostConfig.onNetwork(
                        HardenedHostConfig.supervised(cmd.getHostConfig(), deadline), network))
                .withName(name)
                .withEntrypoint(entrypoint)
                .withCmd(List.of())
                .withEnv(variables)
                .withWorkingDir(workingDir)
                .withAttachStdin(true)
                .withAttachStdout(true)
                .withAttachStderr(true)
                .withStdinOpen(true)
                .withStdInOnce(true)
                .withTty(false)
                .exec()
                .getId();
    }

    /**
     * Creates a container running {@link Launcher#ENTRYPOINT} in {@code workingDir}, attaches to it (before the start,
     * so no output is missed) and starts it: it then waits for its {@link Launcher#line}. On failure the container is
     * removed before the exception leaves.
     */
    WarmContainer launch(DockerClient client, DaemonEndpoint daemon, String imageId, SandboxLimits limits,
                         Map<String, String> labels, Optional<String> volume, String workingDir, Instant createdAt,
                         Network network)
            throws IOException {
        return launch(client, daemon, volume.orElse("execq-" + UUID.randomUUID()), imageId, limits, labels, volume,
                workingDir, createdAt, network);
    }

    /**
     * As {@link #launch(DockerClient, DaemonEndpoint, String, SandboxLimits, Map, Optional, String, Instant, Network)},
     * named.
     */
    WarmContainer launch(DockerClient client, DaemonEndpoint daemon, String name, String imageId, SandboxLimits limits,
                         Map<String, String> labels, Optional<String> volume, String workingDir, Instant createdAt,
                         Network network)
            throws IOException {
        String id = create(client, name, imageId, limits, labels, volume,
                Launcher.ENTRYPOINT, Map.of(), workingDir, network);
        AttachSession attach = null;
        try {
            attach = AttachSession.open(daemon, id);
            client.startContainerCmd(id).exec();
            ContainerConfig config = client.inspectContainerCmd(id).exec().getConfig();
            List<String> env = config.getEnv() == null ? List.of() : List.of(config.getEnv());
            return new WarmContainer(id, imageId, attach,
                    Launcher.processEnvironment(config.getHostName(), new ArrayList<>(env)), createdAt, deadline);
        } catch (IOException | RuntimeException e) {
            if (attach != null) {
                attach.close();
            }
            remove(client, Optional.of(id), Optional.empty(), "launch");
            throw e;
        }
    }

    /** Force-removes a container (if any) and then its volume (if any); failures are logged, the reaper retries. */
    static void remove(DockerClient client, Optional<String> containerId, Optional<String> volume, String owner) {
        containerId.ifPresent(id -> quietly(owner, "container " + id,
                () -> client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec()));
        volume.ifPresent(name -> quietly(owner, "volume " + name, () -> WorkspaceVolume.remove(client, name)));
    }

    private static void quietly(String owner, String what, Runnable removal) {
        try {
            removal.run();
        } catch (NotFoundException e) {
            // Already gone.
        } catch (RuntimeException e) {
            log.warn("{}: could not remove {} (the reaper will): {}", owner, what, DockerErrors.rootMessage(e));
        }
    }
}
