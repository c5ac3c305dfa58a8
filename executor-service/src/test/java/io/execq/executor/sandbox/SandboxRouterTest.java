package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.execq.schema.Backend;
import io.execq.schema.Isolation;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxRouterTest {

    private final FakeSandbox docker = new FakeSandbox(Backend.DOCKER);
    private final FakeSandbox process = new FakeSandbox(Backend.PROCESS);
    private final DockerHealth health = new DockerHealth(docker, Duration.ofSeconds(1),
            CircuitBreakerConfig.from(DockerHealth.breakerConfig()).waitDurationInOpenState(Duration.ofMillis(50)).build());

    private SandboxRouter router(FallbackPolicy policy) {
        return new SandboxRouter(docker, policy == FallbackPolicy.PROCESS ? Optional.of(process) : Optional.empty(), policy, health);
    }

    private static Backend backendOf(Route route) {
        assertThat(route).isInstanceOf(Route.Run.class);
        return ((Route.Run) route).sandbox().backend();
    }

    private void dockerDies() {
        docker.healthy = false;
        for (int i = 0; i < DockerHealth.MINIMUM_CALLS; i++) {
            health.probeNow();
        }
        assertThat(health.available()).isFalse();
    }

    @Test
    void routesEveryContainerIsolationToDockerWhileItIsHealthy() {
        SandboxRouter router = router(FallbackPolicy.PROCESS);

        assertThat(backendOf(router.route(Isolation.CONTAINER))).isEqualTo(Backend.DOCKER);
        assertThat(backendOf(router.route(Isolation.PREFER_CONTAINER))).isEqualTo(Backend.DOCKER);
        assertThat(backendOf(router.route(Isolation.UNKNOWN))).isEqualTo(Backend.DOCKER);
        assertThat(backendOf(router.route(Isolation.PROCESS))).isEqualTo(Backend.PROCESS);
    }

    @Test
    void fallsBackToProcessForPreferContainerButNeverForContainerWhenDockerIsDown() {
        SandboxRouter router = router(FallbackPolicy.PROCESS);

        dockerDies();

        assertThat(backendOf(router.route(Isolation.PREFER_CONTAINER))).isEqualTo(Backend.PROCESS);
        assertThat(router.route(Isolation.CONTAINER)).isEqualTo(new Route.Unavailable(
                "docker unavailable (OPEN); isolation CONTAINER never falls back", true));
        assertThat(router.route(Isolation.UNKNOWN)).isEqualTo(new Route.Unavailable(
                "docker unavailable (OPEN); isolation UNKNOWN never falls back", true));
        assertThat(router.canRun(Isolation.CONTAINER)).isFalse();
        assertThat(router.canRun(Isolation.PREFER_CONTAINER)).isTrue();
    }

    @Test
    void waitsInsteadOfFallingBackWhenPolicyIsNone() {
        SandboxRouter router = router(FallbackPolicy.NONE);

        dockerDies();

        assertThat(router.route(Isolation.PREFER_CONTAINER)).isEqualTo(new Route.Unavailable(
                "docker unavailable (OPEN) and the fallback policy NONE forbids host processes", true));
        assertThat(router.canRun(Isolation.PREFER_CONTAINER)).isFalse();
    }

    @Test
    void refusesProcessIsolationUnderPolicyNoneAsNotWaitable() {
        SandboxRouter router = router(FallbackPolicy.NONE);

        assertThat(router.route(Isolation.PROCESS)).isEqualTo(new Route.Unavailable(
                "isolation PROCESS requested but the fallback policy NONE forbids host processes", false));
    }

    @Test
    void toleratesOneFailedProbeAmongSuccesses() {
        SandboxRouter router = router(FallbackPolicy.PROCESS);
        health.probeNow();
        health.probeNow();
        docker.healthy = false;

        health.probeNow();

        assertThat(health.available()).isTrue();
        assertThat(backendOf(router.route(Isolation.PREFER_CONTAINER))).isEqualTo(Backend.DOCKER);
    }

    @Test
    void switchesBackToDockerWhenItAnswersAgain() {
        SandboxRouter router = router(FallbackPolicy.PROCESS);
        dockerDies();

        docker.healthy = true;

        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(() -> {
            health.probeNow();
            return health.available();
        });
        assertThat(backendOf(router.route(Isolation.PREFER_CONTAINER))).isEqualTo(Backend.DOCKER);
    }

    @Test
    void opensTheBreakerOnRepeatedUnavailabilityDuringRuns() throws Exception {
        SandboxRouter router = router(FallbackPolicy.PROCESS);
        Sandbox routed = ((Route.Run) router.route(Isolation.CONTAINER)).sandbox();
        docker.failure = new SandboxUnavailableException("daemon gone", null);

        for (int i = 0; i < DockerHealth.MINIMUM_CALLS; i++) {
            assertThatThrownBy(() -> routed.run(SandboxSpecTest.validSpec())).isSameAs(docker.failure);
        }

        assertThat(health.available()).isFalse();
        assertThat(router.canRun(Isolation.CONTAINER)).isFalse();
    }

    @Test
    void ignoresUserSideAndImageFailuresForHealth() throws Exception {
        SandboxRouter router = router(FallbackPolicy.PROCESS);
        Sandbox routed = ((Route.Run) router.route(Isolation.CONTAINER)).sandbox();
        List<SandboxException> notDaemonFaults = List.of(
                new ImageUnavailableException("x:1", "missing", null),
                new SandboxRuntimeException("start container", "executable file not found", false, null),
                new SandboxInterruptedException("interrupted", new InterruptedException()));

        for (SandboxException e : notDaemonFaults) {
            docker.failure = e;
            assertThatThrownBy(() -> routed.run(SandboxSpecTest.validSpec())).isSameAs(e);
        }

        assertThat(health.available()).isTrue();
    }

    @Test
    void requiresAProcessSandboxForPolicyProcess() {
        assertThatThrownBy(() -> new SandboxRouter(docker, Optional.empty(), FallbackPolicy.PROCESS, health))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback policy PROCESS needs a process sandbox");
    }

    @Test
    void countsAHungProbeAsAFailure() {
        FakeSandbox hung = new FakeSandbox(Backend.DOCKER) {
            @Override
            public boolean healthy() {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }
        };
        DockerHealth hungHealth = new DockerHealth(hung, Duration.ofMillis(50));

        for (int i = 0; i < DockerHealth.MINIMUM_CALLS; i++) {
            assertThat(hungHealth.probeNow()).isFalse();
        }

        assertThat(hungHealth.available()).isFalse();
        hungHealth.close();
    }
}
