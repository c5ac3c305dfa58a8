package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.ImageUnavailableException;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.SandboxUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract suite and the Docker-only behaviour, against the machine's real Docker engine. */
class DockerSandboxIT extends DockerSandboxContract {

    /** Reapers in this test never reap by age: other tests' containers share this Docker engine. */
    private static final Duration NEVER = Duration.ofDays(36_500);
    private static final GroupScope SCOPE = new GroupScope("cluster-it", "topic-" + UUID.randomUUID(), "group-it");
    private static final GroupScope OTHER_SCOPE = new GroupScope("cluster-it", SCOPE.requestsTopicId(), "other-group");
    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() {
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        sandbox = new DockerSandbox(connection,
                new ImageResolver(connection, ImagePullPolicy.NEVER, Duration.ofSeconds(30)), Clock.systemUTC(),
                Optional.empty(), RunDeadline.probe(RunDeadline.DEFAULT_HELPER), Optional.empty());
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
    void aRealSegfaultStillExits139UnderTheInits() throws Exception {
        SandboxSpec spec = SandboxSpec.of("req-" + UUID.randomUUID(), EXECUTOR_ID, "execq/python:3.11",
                List.of("python3", "-c", "import ctypes; ctypes.string_at(0)"), LIMITS);

        SandboxOutcome outcome = sandbox.run(spec);

        assertThat(outcome.exitCode()).hasValue(139);
        assertThat(outcome.oomKilled()).isFalse();
        assertThat(outcome.startFailure()).isEmpty();
    }

    @Test
    void givesTheProgramItsWholePidsLimitBesidesTheInitsAndTheWatcher() throws Exception {
        SandboxLimits three = new SandboxLimits(TIMEOUT, LIMITS.memoryBytes(), 1000, 3, 4096);

        SandboxOutcome fits = sandbox.run(spec(three, "sh", "-c", "sleep 1 & sleep 1 & wait; echo ok"));
        SandboxOutcome over = sandbox.run(spec(three, "sh", "-c", "sleep 1 & sleep 1 & sleep 1 & wait; echo ok"));

        assertThat(fits.stdout().text()).isEqualTo("ok\n");
        assertThat(fits.stderr().text()).isEmpty();
        assertThat(over.stderr().text()).contains("can't fork");
        SandboxLimits two = new SandboxLimits(TIMEOUT, LIMITS.memoryBytes(), 1000, 2, 4096);
        assertThat(sandbox.run(spec(two, "sh", "-c", "sleep 1 & wait; echo ok")).stdout().text())
                .as("the watcher's start (three processes besides Docker's init) fits the smallest limit it gets")
                .isEqualTo("ok\n");
    }

    @Test
    void anArgumentTheKernelRefusesIsTheUsersFailureWith126() throws Exception {
        SandboxOutcome outcome = sandbox.run(spec("echo", "a".repeat(200_000)));

        assertThat(outcome.exitCode()).hasValue(SandboxOutcome.EXIT_CANNOT_EXECUTE);
        assertThat(outcome.stdout().totalBytes()).isZero();
        assertThat(outcome.startFailure()).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("cannot execute: echo: Argument list too long"));
    }

    @Test
    void reaperRemovesWhatItsPreviousLifeLeftOnly() {
        DockerClient docker = connection.client();
        String orphan = plant(EXECUTOR_ID, Map.of());
        String foreign = plant("other-" + EXECUTOR_ID, Map.of());
        String otherScope = plant(EXECUTOR_ID, SCOPE.labels());
        try {
            OrphanReaper reaper = new OrphanReaper(docker, Clock.systemUTC(),
                    new OrphanRule(EXECUTOR_ID, Optional.of(OTHER_SCOPE), NEVER, Duration.ZERO), Optional.empty());

            int reaped = reaper.reapPreviousLife();

            assertThat(reaped).isEqualTo(1);
            assertThat(reaper.reaped(OrphanRule.Reason.OWN_PREVIOUS_LIFE)).isEqualTo(1);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)))
                    .extracting(Container::getId).containsExactly(otherScope);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, "other-" + EXECUTOR_ID)))
                    .extracting(Container::getId).containsExactly(foreign);
        } finally {
            docker.removeContainerCmd(foreign).withForce(true).exec();
            docker.removeContainerCmd(otherScope).withForce(true).exec();
        }
        assertThat(orphan).isNotEqualTo(foreign);
    }

    @Test
    void reaperRemovesTheRunningContainerAndVolumeOfAMemberThatLeftItsGroupOnly() {
        DockerClient docker = connection.client();
        String gone = "gone-" + UUID.randomUUID();
        String alive = "alive-" + UUID.randomUUID();
        String orphan = plant(gone, SCOPE.labels(), "sleep", "300");
        String orphanVolume = plantVolume(gone, SCOPE.labels());
        String living = plant(alive, SCOPE.labels(), "sleep", "300");
        String otherGroup = plant(gone, OTHER_SCOPE.labels(), "sleep", "300");
        String unscoped = plant(gone, Map.of(), "sleep", "300");
        String young = plant(gone, SCOPE.labels(), Instant.now(), "true");
        try {
            Set<String> members = Set.of(EXECUTOR_ID, alive);
            OrphanReaper reaper = new OrphanReaper(docker, Clock.systemUTC(),
                    new OrphanRule(EXECUTOR_ID, Optional.of(SCOPE), NEVER, Duration.ofSeconds(30)),
                    Optional.of(() -> Optional.of(members)));

            assertThat(reaper.reapNow()).as("one answer of the group is not enough").isZero();
            assertThat(reaper.reapNow()).isEqualTo(1);

            assertThat(reaper.reaped(OrphanRule.Reason.OWNER_GONE)).as("the container and its volume").isEqualTo(2);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, gone)))
                    .extracting(Container::getId).containsExactlyInAnyOrder(otherGroup, unscoped, young);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, alive)))
                    .extracting(Container::getId).containsExactly(living);
            assertThat(docker.listVolumesCmd().withFilter("name", List.of(orphanVolume)).exec().getVolumes())
                    .isNullOrEmpty();
        } finally {
            for (String id : List.of(living, otherGroup, unscoped, young)) {
                docker.removeContainerCmd(id).withForce(true).exec();
            }
        }
        assertThat(orphan).isNotEmpty();
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

    /** A labelled container of {@code executorId}, created a minute ago, that runs {@code argv} (default: true). */
    private static String plant(String executorId, Map<String, String> scope, String... argv) {
        return plant(executorId, scope, Instant.now().minusSeconds(60), argv);
    }

    private static String plant(String executorId, Map<String, String> scope, Instant createdAt, String... argv) {
        Map<String, String> labels = new HashMap<>(HardenedHostConfig.labels("planted", executorId, createdAt));
        labels.putAll(scope);
        String id = connection.client().createContainerCmd(IMAGE)
                .withCmd(argv.length == 0 ? List.of("true") : List.of(argv))
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withNetworkMode("none"))
                .withLabels(labels)
                .exec().getId();
        if (argv.length > 0) {
            connection.client().startContainerCmd(id).exec();
        }
        return id;
    }

    private static String plantVolume(String executorId, Map<String, String> scope) {
        Map<String, String> labels = new HashMap<>(HardenedHostConfig.labels("planted", executorId,
                Instant.now().minusSeconds(60)));
        labels.putAll(scope);
        return WorkspaceVolume.create(connection.client(), labels);
    }
}
