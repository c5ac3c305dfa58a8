package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.core.NameParser;
import io.execq.executor.sandbox.ImageUnavailableException;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves an image reference to a local image id, pulling it first when the policy allows.
 *
 * <p>Pulls are bounded by {@code pullTimeout} and use the registry credentials of the standard Docker client
 * configuration ({@code ~/.docker/config.json}, or {@code DOCKER_CONFIG}), as docker-java's
 * {@code DockerClientConfig#effectiveAuthConfig} finds them.
 */
public final class ImageResolver {

    private static final Logger log = LoggerFactory.getLogger(ImageResolver.class);

    public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(5);

    private final DockerConnection docker;
    private final ImagePullPolicy policy;
    private final Duration pullTimeout;

    public ImageResolver(DockerConnection docker, ImagePullPolicy policy, Duration pullTimeout) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (pullTimeout.isNegative() || pullTimeout.isZero()) {
            throw new IllegalArgumentException("pullTimeout must be positive, got " + pullTimeout);
        }
        this.pullTimeout = pullTimeout;
    }

    /**
     * Returns the local id of {@code image}, pulling it when missing and the policy is {@link ImagePullPolicy#MISSING}.
     *
     * @throws ImageUnavailableException missing and not pullable (policy, registry error, timeout)
     * @throws io.execq.executor.sandbox.SandboxUnavailableException the daemon cannot be reached
     */
    public ResolvedImage resolve(String image) throws SandboxException {
        try {
            return new ResolvedImage(image, docker.client().inspectImageCmd(image).exec().getId());
        } catch (NotFoundException e) {
            if (policy == ImagePullPolicy.NEVER) {
                throw new ImageUnavailableException(image, "not present locally and the pull policy is never", e);
            }
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect image " + image, e);
        }
        pull(image);
        try {
            return new ResolvedImage(image, docker.client().inspectImageCmd(image).exec().getId());
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect image " + image, e);
        }
    }

    /** Resolves every image now (pulling the missing ones), so the first requests do not wait for a pull. */
    public void prePull(List<String> images) throws SandboxException {
        for (String image : images) {
            ResolvedImage resolved = resolve(image);
            log.info("image {} ready as {}", resolved.reference(), resolved.id());
        }
    }

    private void pull(String image) throws SandboxException {
        NameParser.ReposTag repoTag = NameParser.parseRepositoryTag(image);
        String tag = repoTag.tag.isEmpty() ? "latest" : repoTag.tag;
        AuthConfig auth = docker.config().effectiveAuthConfig(image);
        log.info("pulling image {} (timeout {})", image, pullTimeout);
        try (PullImageResultCallback callback = docker.client().pullImageCmd(repoTag.repos)
                .withTag(tag)
                .withAuthConfig(auth)
                .exec(new PullImageResultCallback())) {
            if (!callback.awaitCompletion(pullTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ImageUnavailableException(image, "pull did not finish within " + pullTimeout, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxInterruptedException("interrupted while pulling " + image, e);
        } catch (DockerException e) {
            throw new ImageUnavailableException(image, "pull failed: " + DockerErrors.daemonMessage(e), e);
        } catch (java.io.IOException e) {
            // close() of the callback; the pull itself has finished or failed already
            log.debug("closing pull callback for {}", image, e);
        } catch (RuntimeException e) {
            if (DockerErrors.isConnectivity(e)) {
                throw DockerErrors.translate("pull image " + image, e);
            }
            throw new ImageUnavailableException(image, "pull failed: " + DockerErrors.rootMessage(e), e);
        }
    }
}
