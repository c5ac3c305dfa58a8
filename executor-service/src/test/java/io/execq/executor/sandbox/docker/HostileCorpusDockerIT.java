package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.hostile.CorpusBackend;
import io.execq.executor.sandbox.hostile.HostProcess;
import io.execq.executor.sandbox.hostile.HostileCorpusTest;
import io.execq.testing.DockerAvailability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hostile corpus through the real {@link DockerSandbox} against the machine's Docker engine. */
class HostileCorpusDockerIT extends HostileCorpusTest {

    private static DockerConnection connection;
    private static DockerSandbox sandbox;

    @BeforeAll
    static void connect() {
        DockerAvailability.requireDocker();
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        // As the executor runs with its default options: default hardening and the deadline helper in front.
        sandbox = new DockerSandbox(connection,
                new ImageResolver(connection, ImagePullPolicy.NEVER, Duration.ofSeconds(30)), Clock.systemUTC(),
                java.util.Optional.empty(), RunDeadline.probe(RunDeadline.DEFAULT_HELPER), java.util.Optional.empty());
    }

    @AfterAll
    static void close() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Override
    protected CorpusBackend backend() {
        return new DockerBackend();
    }

    /**
     * The processes check's Docker rule can fail: a process in the cgroup of a container that does not exist (as a
     * removed run's would be) and a new uid-65534 process outside every container both count as left over; a new
     * process of another user outside every container does not.
     */
    @Test
    void countsProcessesOfRemovedContainersAndEscapedRunUsersAsLeftOver() throws Exception {
        Path cgroup = Path.of("/sys/fs/cgroup/pids/docker", "e".repeat(64));
        Set<HostProcess.Key> before = HostProcess.keys();
        Process escaped = new ProcessBuilder("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--",
                "sleep", "60").start();
        Process inRemovedContainer = new ProcessBuilder("sleep", "60").start();
        Process unrelated = new ProcessBuilder("sleep", "60").start();
        Files.createDirectories(cgroup);
        try {
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(inRemovedContainer.pid()));
            CorpusBackend backend = backend();

            assertThat(backend.belongsToARun(HostProcess.of(escaped.pid()).orElseThrow(), before)).isTrue();
            assertThat(backend.belongsToARun(HostProcess.of(inRemovedContainer.pid()).orElseThrow(), before)).isTrue();
            assertThat(backend.belongsToARun(HostProcess.of(unrelated.pid()).orElseThrow(), before)).isFalse();
        } finally {
            escaped.destroyForcibly().waitFor();
            inRemovedContainer.destroyForcibly().waitFor();
            unrelated.destroyForcibly().waitFor();
            Files.delete(cgroup);
        }
    }

    private static final class DockerBackend implements CorpusBackend {

        @Override
        public String name() {
            return "docker";
        }

        @Override
        public Sandbox sandbox() {
            return sandbox;
        }

        @Override
        public IntPredicate runUid() {
            return uid -> uid == 65534;
        }

        /**
         * A new process in the cgroup of a container that no longer exists (the run's, removed), or a new process
         * of the run user outside every container (escaped its cgroup).
         */
        @Override
        public boolean belongsToARun(HostProcess process, Set<HostProcess.Key> before) {
            if (before.contains(process.key())) {
                return false;
            }
            return process.dockerContainer().map(id -> !exists(id)).orElse(process.uid() == 65534);
        }

        private static boolean exists(String containerId) {
            try {
                connection.client().inspectContainerCmd(containerId).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            }
        }

        @Override
        public void settle() throws InterruptedException {
            if (!sandbox.awaitRemovals(Duration.ofSeconds(30))) {
                throw new IllegalStateException("the sandbox's removals did not finish within 30 s");
            }
        }

        @Override
        public List<String> leftovers(List<String> requestIds) {
            List<String> out = new ArrayList<>();
            for (String id : requestIds) {
                String label = HardenedHostConfig.LABEL_REQUEST_ID + "=" + id;
                for (Container c : connection.client().listContainersCmd().withShowAll(true)
                        .withLabelFilter(Map.of(HardenedHostConfig.LABEL_REQUEST_ID, id)).exec()) {
                    out.add("container " + c.getId().substring(0, 12) + " (" + label + ", " + c.getState() + ") left");
                    connection.client().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                }
                List<InspectVolumeResponse> volumes = connection.client().listVolumesCmd()
                        .withFilter("label", List.of(label)).exec().getVolumes();
                (volumes == null ? List.<InspectVolumeResponse>of() : volumes).forEach(v -> {
                    out.add("volume " + v.getName() + " (" + label + ") left");
                    connection.client().removeVolumeCmd(v.getName()).exec();
                });
            }
            return out;
        }
    }
}
