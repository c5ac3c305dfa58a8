package io.execq.executor;

import io.execq.executor.config.ConfigException;
import io.execq.executor.pipeline.RequestValidator;
import io.execq.executor.sandbox.DockerHealth;
import io.execq.executor.sandbox.FallbackPolicy;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxRouter;
import io.execq.executor.sandbox.docker.DockerConnection;
import io.execq.executor.sandbox.docker.DockerRuntimes;
import io.execq.executor.sandbox.docker.DockerSandbox;
import io.execq.executor.sandbox.docker.GroupMembership;
import io.execq.executor.sandbox.docker.GroupScope;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.executor.sandbox.docker.ImageResolver;
import io.execq.executor.sandbox.docker.OrphanReaper;
import io.execq.executor.sandbox.docker.OrphanRule;
import io.execq.executor.sandbox.docker.RunDeadline;
import io.execq.executor.sandbox.docker.SeccompProfile;
import io.execq.executor.sandbox.docker.SeccompProfiles;
import io.execq.executor.sandbox.docker.WarmPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.execq.executor.sandbox.process.HostCapabilities;
import io.execq.executor.sandbox.process.ProcessSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandboxes of one executor and what keeps them honest: the Docker sandbox with its health probe, run deadline,
 * orphan reaper and (with {@code --warm-pool}) warm pool, the process sandbox when the fallback policy allows it, and
 * the router over both.
 */
final class SandboxStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxStack.class);
    /** How often the reaper asks the group who is alive and removes what dead members left. */
    static final Duration REAP_PERIOD = Duration.ofSeconds(5);
    /** A foreign container younger than the longest run plus this may still be in use by its executor. */
    static final Duration ORPHAN_MARGIN = Duration.ofMinutes(5);
    /**
     * A container younger than this is never judged by its owner's membership: an executor creates warm-pool
     * containers before its consumer joins the group, which waits for the transactional producer's initialisation
     * (up to the 10 s transaction timeout when a previous life left a transaction open).
     */
    static final Duration OWNER_GRACE = Duration.ofSeconds(30);

    private final DockerConnection connection;
    private final ScheduledExecutorService background;
    private final OrphanReaper reaper;
    private final DockerHealth health;
    private final SandboxRouter router;
    private final Path workspaceBase;
    private final Optional<WarmPool> warmPool;

    /**
     * @param scope this executor's consumer group scope, labelled on its containers
     * @param membership who is in the group, for reaping the containers of members that left it
     */
    SandboxStack(ExecutorConfig config, Clock clock, Optional<GroupScope> scope,
                 Optional<GroupMembership> membership) {
        this.connection = connect(config);
        this.background = Executors.newScheduledThreadPool(1, r -> {
            Thread thread = new Thread(r, "execq-sandbox-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        ImageResolver images = new ImageResolver(connection, config.get(ExecutorConfig.IMAGE_PULL),
                config.get(ExecutorConfig.IMAGE_PULL_TIMEOUT));
        HardenedHostConfig hardening = hardening(config, connection);
        RunDeadline deadline = RunDeadline.probe(config.get(ExecutorConfig.DEADLINE_HELPER));
        this.warmPool = warmPool(config, connection, images, clock, hardening, deadline, scope);
        Sandbox docker = new DockerSandbox(connection, images, clock, warmPool, hardening, deadline, scope);
        this.workspaceBase = workspaceBase();
        Optional<ProcessSandbox> process = config.get(ExecutorConfig.FALLBACK) == FallbackPolicy.PROCESS
                ? Optional.of(new ProcessSandbox(HostCapabilities.probe(), workspaceBase, clock,
                        config.get(ExecutorConfig.MAX_WORKSPACE)))
                : Optional.empty();
        // What runs of an executor that died on this host left (a program that cleared its parent-death signal).
        process.ifPresent(p -> background.scheduleWithFixedDelay(p::sweepAbandonedRuns, REAP_PERIOD.toMillis(),
                REAP_PERIOD.toMillis(), TimeUnit.MILLISECONDS));
        this.health = new DockerHealth(docker, DockerHealth.DEFAULT_PROBE_TIMEOUT);
        this.router = new SandboxRouter(docker, process.map(Sandbox.class::cast), config.get(ExecutorConfig.FALLBACK),
                health);
        health.probeNow();
        health.start(background, DockerHealth.DEFAULT_PROBE_PERIOD);

        this.reaper = new OrphanReaper(connection.client(), clock, new OrphanRule(config.executorId(), scope,
                config.get(ExecutorConfig.MAX_TIMEOUT).plus(ORPHAN_MARGIN), OWNER_GRACE), membership);
        if (health.available()) {
            // A restarted executor with a stable --executor-id cleans up its previous life at once.
            LOG.info("Docker available; removed {} orphaned container(s) of this executor", reaper.reapPreviousLife());
            prePull(images, config.prePullImages());
        } else {
            LOG.warn("Docker unavailable at start-up ({}); fallback policy {}", health.state(),
                    config.get(ExecutorConfig.FALLBACK));
        }
        reaper.start(background, REAP_PERIOD);
        // After the start-up reaping, which would take fresh pool containers for its own orphans.
        warmPool.ifPresent(WarmPool::start);
    }

    /**
     * The Docker client, over TLS when configured. Certificate files that cannot be parsed, or a TLS handshake the
     * daemon answers but that fails (its certificate untrusted or misnamed, ours refused), stop the start-up: that is
     * a setting to fix, not an outage. An unreachable daemon is an outage: the health probe and fallback handle it.
     */
    private static DockerConnection connect(ExecutorConfig config) {
        String host = config.get(ExecutorConfig.DOCKER_HOST);
        Optional<Path> tls = config.dockerTlsCertPath();
        DockerConnection connection;
        try {
            connection = DockerConnection.connect(host, tls);
        } catch (IllegalArgumentException e) {
            if (tls.isEmpty()) {
                throw e;
            }
            throw new ConfigException(ExecutorConfig.DOCKER_CERT_PATH.flag() + " (or DOCKER_CERT_PATH): "
                    + e.getMessage());
        }
        Optional<String> refused = connection.tlsFailure();
        if (refused.isPresent()) {
            connection.close();
            throw new ConfigException("TLS to the Docker daemon at " + host + " failed: " + refused.get()
                    + " (client files from " + tls.orElseThrow() + ", " + ExecutorConfig.DOCKER_CERT_PATH.flag()
                    + " or DOCKER_CERT_PATH)");
        }
        return connection;
    }

    /**
     * The warm pool for runs with the default limits, or none when {@code --warm-pool} is 0. Its containers wait at
     * most half the orphan margin, so the periodic reaper (minimum age: longest run plus that margin) never takes
     * one that a run still uses.
     */
    private static Optional<WarmPool> warmPool(ExecutorConfig config, DockerConnection connection,
                                               ImageResolver images, Clock clock, HardenedHostConfig hardening,
                                               RunDeadline deadline, Optional<GroupScope> scope) {
        int size = config.get(ExecutorConfig.WARM_POOL);
        if (size == 0) {
            return Optional.empty();
        }
        SandboxLimits limits = RequestValidator.sandboxLimits(config.defaultLimits());
        List<WarmPool.Profile> profiles = config.warmPoolImages().stream()
                .map(image -> new WarmPool.Profile(image, limits)).collect(Collectors.toList());
        return Optional.of(new WarmPool(connection, images, clock, config.executorId(), profiles, size,
                ORPHAN_MARGIN.dividedBy(2), hardening, deadline, scope));
    }

    /**
     * The settings of every container: the seccomp profile, the workspace cap and the OCI runtime, which dockerd
     * must know ({@link DockerRuntimes}; a runtime it does not know stops the start-up).
     */
    private static HardenedHostConfig hardening(ExecutorConfig config, DockerConnection connection) {
        SeccompProfile seccomp = Optional.ofNullable(config.get(ExecutorConfig.SECCOMP_PROFILE))
                .orElseGet(SeccompProfiles::execqDefault);
        HardenedHostConfig hardening = new HardenedHostConfig(seccomp, config.get(ExecutorConfig.MAX_WORKSPACE),
                Optional.empty());
        Optional<DockerRuntimes.Runtime> runtime;
        try {
            runtime = DockerRuntimes.resolve(connection.client(),
                    Optional.ofNullable(config.get(ExecutorConfig.DOCKER_RUNTIME)), ExecutorConfig.DOCKER_RUNTIME.flag());
        } catch (IllegalArgumentException e) {
            connection.close();
            throw new ConfigException(e.getMessage());
        }
        LOG.info("Docker runs: runtime {}, seccomp profile {}, workspace cap {} bytes",
                runtime.map(DockerRuntimes.Runtime::name).orElse("dockerd's default (unverified: dockerd unreachable)"),
                seccomp.name(),
                hardening.workspaceBytes());
        return runtime.map(hardening::withRuntime).orElse(hardening);
    }

    /** Registers the sandboxes' meters (the warm pool's size, hits and misses; orphans reaped). */
    void bindTo(MeterRegistry registry) {
        warmPool.ifPresent(pool -> pool.bindTo(registry));
        reaper.bindTo(registry);
    }

    private static void prePull(ImageResolver images, java.util.List<String> wanted) {
        if (wanted.isEmpty()) {
            return;
        }
        try {
            images.prePull(wanted);
        } catch (io.execq.executor.sandbox.SandboxException e) {
            LOG.warn("Pre-pull of {} incomplete: {}; requests needing it will pull (or fail) when they run", wanted,
                    e.getMessage());
        }
    }

    SandboxRouter router() {
        return router;
    }

    DockerHealth health() {
        return health;
    }

    private static Path workspaceBase() {
        try {
            // Traversable (not listable) by the unprivileged run users; each workspace inside is private to its run.
            return Files.createTempDirectory("execq-process-workspaces",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the process sandbox's workspace directory", e);
        }
    }

    @Override
    public void close() {
        reaper.close();
        router.close();
        background.shutdownNow();
        connection.close();
        try {
            Files.deleteIfExists(workspaceBase); // every run removed its own workspace inside
        } catch (IOException e) {
            LOG.warn("Cannot remove {}: {}", workspaceBase, e.toString());
        }
    }
}
