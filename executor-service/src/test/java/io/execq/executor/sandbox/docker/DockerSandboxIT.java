package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.ImageUnavailableException;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.SandboxUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract suite and the Docker-only behaviour, against the machine's real Docker engine. */
class DockerSandboxIT extends DockerSandboxContract {

    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() {
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        sandbox = new DockerSandbox(connection,
                new ImageResolver(connection, ImagePullPolicy.NEVER, Duration.ofSeconds(30)), Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        sandbox.close();
    }

    @Override
    DockerSandbox dockerSandbox() {
        return sandbox;
    }

    @Test
    void reportsTheImageIdThatRan() throws Exception {
        String id = connection.client().inspectImageCmd(IMAGE).exec().getId();

        SandboxOutcome outcome = sandbox.run(spec("true"));

        assertThat(outcome.imageId()).hasValue(id);
        assertThat(id).startsWith("sha256:");
    }

    @Test
    void mountsTheRootFileSystemReadOnlyAndTmpAsSmallTmpfs() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("sh", "-c", "touch /x; grep ' /tmp ' /proc/mounts"));

        assertThat(outcome.stderr().text()).isEqualTo("touch: /x: Read-only file system\n");
        assertThat(outcome.stdout().text()).startsWith("tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,").contains("size=65536k");
    }

    @Test
    void runsAProgramWithFilesWhoseNameContainsAnEqualsSignAsAnyOther() throws Exception {
        byte[] script = "#!/bin/sh\necho ran \"$1\"; env | cut -d= -f1 | sort\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);

        SandboxOutcome withEquals = sandbox.run(spec("./a=b.sh", "x").withFiles(
                List.of(new io.execq.executor.sandbox.SandboxFile("a=b.sh", script, true)), Optional.empty()));
        SandboxOutcome plain = sandbox.run(spec("./ab.sh", "x").withFiles(
                List.of(new io.execq.executor.sandbox.SandboxFile("ab.sh", script, true)), Optional.empty()));

        assertThat(withEquals.stderr().text()).isEmpty();
        assertThat(withEquals.stdout().text()).startsWith("ran x\nHOME\n").isEqualTo(plain.stdout().text());
    }

    @Test
    void removesTheContainerWhenTheRunningThreadIsInterrupted() throws Exception {
        SandboxSpec spec = spec("sleep", "1000");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                sandbox.run(spec);
            } catch (SandboxException e) {
                thrown.set(e);
            }
        });
        runner.start();
        Map<String, String> mine = Map.of(HardenedHostConfig.LABEL_REQUEST_ID, spec.requestId());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                managedContainers(mine).stream().anyMatch(c -> "running".equals(c.getState())));

        runner.interrupt();
        runner.join(Duration.ofSeconds(15).toMillis());

        assertThat(runner.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(SandboxInterruptedException.class);
        assertThat(((SandboxException) thrown.get()).retriable()).isTrue();
        assertThat(managedContainers(mine)).isEmpty();
    }

    @Test
    void reaperRemovesOrphansOfItsExecutorOnly() {
        DockerClient docker = connection.client();
        String orphan = plant(EXECUTOR_ID);
        String foreign = plant("other-" + EXECUTOR_ID);
        try {
            OrphanReaper reaper = new OrphanReaper(docker, Clock.systemUTC(), Optional.of(EXECUTOR_ID), Duration.ZERO);

            int reaped = reaper.reapNow();

            assertThat(reaped).isEqualTo(1);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID))).isEmpty();
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, "other-" + EXECUTOR_ID)))
                    .extracting(Container::getId).containsExactly(foreign);
        } finally {
            docker.removeContainerCmd(foreign).withForce(true).exec();
        }
        assertThat(orphan).isNotEqualTo(foreign);
    }

    @Test
    void reaperSparesContainersYoungerThanItsMinimumAge() {
        String young = plant(EXECUTOR_ID);
        try {
            OrphanReaper reaper = new OrphanReaper(connection.client(), Clock.systemUTC(), Optional.of(EXECUTOR_ID), Duration.ofHours(1));

            assertThat(reaper.reapNow()).isZero();
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)))
                    .extracting(Container::getId).containsExactly(young);
        } finally {
            connection.client().removeContainerCmd(young).withForce(true).exec();
        }
    }

    @Test
    void failsWithImageUnavailableWhenMissingAndPullIsNever() {
        SandboxSpec spec = SandboxSpec.of("req-missing", EXECUTOR_ID, "execq/does-not-exist:1", List.of("true"), LIMITS);

        assertThatThrownBy(() -> sandbox.run(spec))
                .isInstanceOf(ImageUnavailableException.class)
                .hasMessage("image execq/does-not-exist:1 unavailable: not present locally and the pull policy is never")
                .matches(e -> !((SandboxException) e).retriable());
    }

    @Test
    void failsWithImageUnavailableCarryingTheDaemonMessageWhenAPullFails() {
        // A registry on a closed loopback port: the daemon's pull fails without leaving the machine.
        ImageResolver pulling = new ImageResolver(connection, ImagePullPolicy.MISSING, Duration.ofSeconds(20));

        assertThatThrownBy(() -> pulling.resolve("127.0.0.1:1/execq/none:1"))
                .isInstanceOf(ImageUnavailableException.class)
                .hasMessageStartingWith("image 127.0.0.1:1/execq/none:1 unavailable: pull failed: ")
                .hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void reportsAnUnreachableDaemonAsRetriableUnavailability() {
        try (DockerConnection dead = DockerConnection.connect("unix:///tmp/no-such-docker.sock");
                DockerSandbox deadSandbox = new DockerSandbox(dead,
                        new ImageResolver(dead, ImagePullPolicy.NEVER, Duration.ofSeconds(5)), Clock.systemUTC())) {

            assertThat(deadSandbox.healthy()).isFalse();
            assertThatThrownBy(() -> deadSandbox.run(spec("true")))
                    .isInstanceOf(SandboxUnavailableException.class)
                    .hasMessageStartingWith("docker daemon unreachable during inspect image execq/busybox:latest: ")
                    .matches(e -> ((SandboxException) e).retriable());
        }
    }

    @Test
    void findsTheDaemonsOomEventForAnOomKilledContainer() throws Exception {
        DockerClient docker = connection.client();
        Instant since = Instant.now();
        String id = docker.createContainerCmd(IMAGE)
                .withCmd("sh", "-c", "x=a; while true; do x=$x$x; done")
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig()
                        .withMemory(32L << 20).withMemorySwap(32L << 20).withNetworkMode("none"))
                .withLabels(Map.of(HardenedHostConfig.LABEL_MANAGED, "true", HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID))
                .exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    !Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning()));

            assertThat(OomEvents.logged(docker, id, since.minusSeconds(1), Instant.now().plusSeconds(1))).isTrue();
            assertThat(OomEvents.logged(docker, id, since.minusSeconds(60), since.minusSeconds(30))).isFalse();
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    private static String plant(String executorId) {
        return connection.client().createContainerCmd(IMAGE)
                .withCmd("true")
                .withLabels(Map.of(HardenedHostConfig.LABEL_MANAGED, "true",
                        HardenedHostConfig.LABEL_EXECUTOR_ID, executorId,
                        HardenedHostConfig.LABEL_REQUEST_ID, "planted",
                        HardenedHostConfig.LABEL_CREATED_AT, Long.toString(Instant.now().minusSeconds(60).toEpochMilli())))
                .exec().getId();
    }
}
