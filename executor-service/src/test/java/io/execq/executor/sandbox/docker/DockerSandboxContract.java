package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxContractTest;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Network;
import io.execq.schema.Protection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The contract suite's Docker facts, shared by the Docker sandbox with and without a warm pool. */
abstract class DockerSandboxContract extends SandboxContractTest {

    static final String IMAGE = "execq/busybox:latest";
    static DockerConnection connection;

    /** The sandbox under test. */
    abstract DockerSandbox dockerSandbox();

    /** How the sandbox under test hardens its containers (its OCI runtime, above all). */
    HardenedHostConfig hardening() {
        return HardenedHostConfig.defaults();
    }

    /** Containers of this executor that may outlive a run: a warm pool's idle ones. */
    Set<String> idleContainers() {
        return Set.of();
    }

    @Override
    protected Sandbox sandbox() {
        return dockerSandbox();
    }

    @Override
    protected String image() {
        return IMAGE;
    }

    @Override
    protected Set<String> baselineEnvKeys() {
        // PATH comes from the image, HOSTNAME from Docker itself; nothing from the executor.
        return Set.of("PATH", "HOME", "HOSTNAME", "LANG");
    }

    @Override
    protected Set<Protection> expectedProtections() {
        return Set.of(Protection.NETWORK_ISOLATED, Protection.READ_ONLY_ROOT_FS, Protection.CAPABILITIES_DROPPED,
                Protection.NO_NEW_PRIVILEGES, Protection.NON_ROOT_USER, Protection.PID_NAMESPACE,
                Protection.PIDS_LIMIT, Protection.MEMORY_LIMIT, Protection.CPU_LIMIT, Protection.FILE_SIZE_LIMIT,
                Protection.OPEN_FILES_LIMIT, Protection.TMPFS_LIMIT, Protection.PRIVATE_WORKSPACE,
                Protection.CLEARED_ENVIRONMENT, Protection.PROCESS_GROUP_KILL, Protection.OUTPUT_CAP,
                Protection.SECCOMP_FILTER, Protection.IPC_NAMESPACE, Protection.UTS_NAMESPACE,
                Protection.WORKSPACE_LIMIT, Protection.USER_NAMESPACES_BLOCKED);
    }

    @Override
    protected void assertNothingLeftBehind() throws InterruptedException {
        assertThat(dockerSandbox().awaitRemovals(Duration.ofSeconds(30))).as("removals finished").isTrue();
        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)))
                .extracting(Container::getId)
                .allMatch(idleContainers()::contains);
        assertThat(connection.client().listVolumesCmd()
                .withFilter("label", List.of(HardenedHostConfig.LABEL_EXECUTOR_ID + "=" + EXECUTOR_ID))
                .exec().getVolumes()).isEmpty();
    }

    @Override
    protected boolean isRunUid(long uid) {
        return uid == 65534;
    }

    @Override
    protected void assertMemoryBombContained(SandboxOutcome outcome) {
        assertThat(outcome.oomKilled()).as("oomKilled in %s", outcome).isTrue();
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.exitCode()).hasValue(137);
    }

    @Test
    void aContainerStopsAtItsOwnDeadlineWhenNoExecutorWatchesIt() throws Exception {
        // As after a SIGKILL of its executor: created and started like a run's, then nobody kills it or reads it.
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER, Duration.ofSeconds(1));
        assertThat(deadline.enforced()).isTrue();
        RunContainers containers = new RunContainers(hardening(), deadline, Optional.empty());
        DockerClient docker = connection.client();
        SandboxLimits limits = new SandboxLimits(Duration.ofSeconds(1), LIMITS.memoryBytes(), 1000, 64, 4096);
        String id = containers.create(docker, "execq-" + UUID.randomUUID(), IMAGE, limits,
                containers.labels("unwatched", EXECUTOR_ID, Instant.now()), Optional.empty(),
                deadline.command(List.of("sh", "-c", "trap '' TERM; sleep 300 & sleep 300"), limits),
                Map.of(), HardenedHostConfig.WORKSPACE, Network.NONE);
        try {
            long start = System.nanoTime();
            docker.startContainerCmd(id).exec();

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning()));

            Duration lived = Duration.ofNanos(System.nanoTime() - start);
            assertThat(docker.inspectContainerCmd(id).exec().getState().getExitCodeLong()).isEqualTo(137L);
            assertThat(lived).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(15));
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    @Test
    void aProgramsKillOfEveryProcessItMaySignalLeavesItsOwnRunGoing() throws Exception {
        // kill(-1) spares only PID 1 and the caller: no supervisor of execq's may sit between them, or the run ends.
        String watchers = "ps -o args | grep -c '^/.execq/busybox [t]imeout'";
        // kill() only queues the SIGKILL: give the watcher up to 2 s to be gone before counting it.
        String program = "echo before $(" + watchers + "); sleep 100 & kill -9 -1; echo survived $?; "
                + "i=0; while [ $(" + watchers + ") -gt 0 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; "
                + "echo after $(" + watchers + ")";
        SandboxOutcome created = dockerSandbox().run(spec("sh", "-c", program));
        SandboxOutcome launched = dockerSandbox().run(spec("sh", "-c", program).withFiles(
                List.of(new SandboxFile("f", new byte[0], false)), Optional.empty()));

        for (SandboxOutcome outcome : List.of(created, launched)) {
            assertThat(outcome.exitCode()).as(outcome.stderr().text()).hasValue(0);
            assertThat(outcome.stdout().text()).as("the watcher (busybox timeout) was killed with the rest")
                    .isEqualTo("before 1\nsurvived 0\nafter 0\n");
        }
    }

    static List<Container> managedContainers(Map<String, String> labels) {
        return connection.client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
    }
}
