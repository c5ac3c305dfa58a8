package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import io.execq.executor.sandbox.SandboxLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creating and removing the hardened containers of runs, for {@link DockerSandbox} and {@link WarmPool} alike: every
 * container gets {@link HardenedHostConfig}, the executor's {@link RunDeadline} and labels with its
 * {@link GroupScope}.
 */
final class RunContainers {

    private static final Logger log = LoggerFactory.getLogger(RunContainers.class);

    /** The environment every run starts from (the image's own variables and Docker's {@code HOSTNAME} aside). */
    static final List<String> BASE_ENV = List.of("HOME=" + HardenedHostConfig.WORKSPACE, "LANG=C.UTF-8");

    private final RunDeadline deadline;
    private final Optional<GroupScope> scope;

    RunContainers(RunDeadline deadline, Optional<GroupScope> scope) {
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        this.scope = Objects.requireNonNull(scope, "scope");
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
                  Map<String, String> env, String workingDir) {
        List<String> variables = new ArrayList<>(BASE_ENV);
        env.forEach((k, v) -> variables.add(k + "=" + v));
        CreateContainerCmd cmd = HardenedHostConfig.harden(client.createContainerCmd(imageId), limits, labels, volume);
        return cmd.withHostConfig(HardenedHostConfig.supervised(cmd.getHostConfig(), deadline))
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
