package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.docker.DockerConnection;
import io.execq.executor.sandbox.docker.DockerSandbox;
import io.execq.executor.sandbox.docker.ImagePullPolicy;
import io.execq.executor.sandbox.docker.ImageResolver;
import io.execq.executor.sandbox.process.HostCapabilities;
import io.execq.executor.sandbox.process.ProcessSandbox;
import io.execq.schema.Backend;
import io.execq.schema.Isolation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router against a Docker client pointed at a socket nobody listens on, and the real process sandbox. */
class SandboxRouterIT {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private Path base;
    private SandboxRouter router;
    private DockerHealth health;

    @BeforeEach
    void start() throws Exception {
        base = Files.createTempDirectory(Path.of("/tmp"), "execq-router-it-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        DockerConnection dead = DockerConnection.connect("unix:///tmp/no-such-docker.sock");
        DockerSandbox docker = new DockerSandbox(dead, new ImageResolver(dead, ImagePullPolicy.NEVER, Duration.ofSeconds(5)), Clock.systemUTC());
        health = new DockerHealth(docker, DockerHealth.DEFAULT_PROBE_TIMEOUT);
        router = new SandboxRouter(docker, Optional.of(new ProcessSandbox(HostCapabilities.probe(), base, Clock.systemUTC())),
                FallbackPolicy.PROCESS, health);
    }

    @AfterEach
    void stop() throws Exception {
        router.close();
        scheduler.shutdownNow();
        Files.deleteIfExists(base);
    }

    @Test
    void reportsADeadDaemonWithinFiveSecondsAndFallsBackOnlyWherePolicyAllows() throws Exception {
        long start = System.nanoTime();
        health.start(scheduler, DockerHealth.DEFAULT_PROBE_PERIOD);

        await().atMost(Duration.ofSeconds(5)).until(() -> !health.available());
        Duration detected = Duration.ofNanos(System.nanoTime() - start);

        assertThat(detected).isLessThan(Duration.ofSeconds(5));
        assertThat(router.canRun(Isolation.CONTAINER)).isFalse();
        assertThat(router.route(Isolation.CONTAINER)).isInstanceOf(Route.Unavailable.class)
                .extracting(r -> ((Route.Unavailable) r).waitable()).isEqualTo(true);
        Route fallback = router.route(Isolation.PREFER_CONTAINER);
        assertThat(fallback).isInstanceOf(Route.Run.class);
        Sandbox sandbox = ((Route.Run) fallback).sandbox();
        SandboxOutcome outcome = sandbox.run(SandboxSpec.of("req-router", "it-router", "execq/busybox:latest",
                List.of("echo", "fell-back"), new SandboxLimits(Duration.ofSeconds(10), 64L << 20, 1000, 32, 4096)));
        assertThat(outcome.backend()).isEqualTo(Backend.PROCESS);
        assertThat(outcome.stdout().text()).isEqualTo("fell-back\n");
    }
}
