package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerConfig;
import io.execq.executor.sandbox.SandboxLimits;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creating and removing the hardened containers of runs, for {@link DockerSandbox} and {@link WarmPool} alike. */
final class RunContainers {

    private static final Logger log = LoggerFactory.getLogger(RunContainers.class);

    /** The environment every run starts from (the image's own variables and Docker's {@code HOSTNAME} aside). */
    static final List<String> BASE_ENV = List.of("HOME=" + HardenedHostConfig.WORKSPACE, "LANG=C.UTF-8");

    private RunContainers() {
    }

    /**
     * Creates a container (not started) from {@code imageId}, hardened by {@link HardenedHostConfig}, that executes
     * {@code entrypoint} with {@link #BASE_ENV} plus {@code env}, stdin open for one attach; returns its id.
     */
    static String create(DockerClient client, HardenedHostConfig hardening, String name, String imageId,
                         SandboxLimits limits, Map<String, String> labels, Optional<String> volume,
                         List<String> entrypoint, Map<String, String> env, String workingDir) {
        List<String> variables = new ArrayList<>(BASE_ENV);
        env.forEach((k, v) -> variables.add(k + "=" + v));
        return hardening.harden(client.createContainerCmd(imageId), limits, labels, volume)
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
    static WarmContainer launch(DockerClient client, SocketAddress daemon, HardenedHostConfig hardening,
                                String imageId, SandboxLimits limits, Map<String, String> labels,
                                Optional<String> volume, String workingDir, Instant createdAt) throws IOException {
        String id = create(client, hardening, volume.orElse("execq-" + UUID.randomUUID()), imageId, limits, labels,
                volume, Launcher.ENTRYPOINT, Map.of(), workingDir);
        AttachSession attach = null;
        try {
            attach = AttachSession.open(daemon, id);
            client.startContainerCmd(id).exec();
            ContainerConfig config = client.inspectContainerCmd(id).exec().getConfig();
            List<String> env = config.getEnv() == null ? List.of() : List.of(config.getEnv());
            return new WarmContainer(id, imageId, attach,
                    Launcher.processEnvironment(config.getHostName(), new ArrayList<>(env)), createdAt);
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
