package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxContractTest;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Protection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The contract suite's Docker facts, shared by the Docker sandbox with and without a warm pool. */
abstract class DockerSandboxContract extends SandboxContractTest {

    static final String IMAGE = "execq/busybox:latest";
    static DockerConnection connection;

    /** The sandbox under test. */
    abstract DockerSandbox dockerSandbox();

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

    static List<Container> managedContainers(Map<String, String> labels) {
        return connection.client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
    }
}
