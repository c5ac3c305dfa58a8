package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.docker.DockerConnection;
import io.execq.executor.sandbox.docker.GroupScope;
import io.execq.executor.sandbox.docker.HardenedHostConfig;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TestKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An executor is killed with SIGKILL while it runs a {@code sleep 300} container and short ones: the surviving member
 * of its group removes every container and volume of the dead one within 60 s (the long program's while it still
 * runs), leaves alone a container of the same owner id in another group, and every request still has exactly one
 * committed result — the long one redone by the survivor, which times it out.
 */
class DeadExecutorReapingIT {

    private static final int PARTITIONS = 4;
    private static final long LONG_TIMEOUT_MS = 40_000;

    @RegisterExtension
    final ExecutorProcesses executors = new ExecutorProcesses();

    @Test
    void theSurvivorRemovesEveryContainerAndVolumeOfAnExecutorKilledMidBatch() throws Exception {
        DockerAvailability.requireDocker();
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, PARTITIONS);
        String group = "reap-" + UUID.randomUUID();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String victimId = "reap-victim-" + suffix;
        String survivorId = "reap-survivor-" + suffix;
        int victimPort = ExecutorProcesses.freePort();
        int survivorPort = ExecutorProcesses.freePort();
        Process victim = executors.start(topics, group, victimId, options(victimPort));
        executors.start(topics, group, survivorId, options(survivorPort));
        await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> ExecutorProcesses.ready(victimPort)
                && ExecutorProcesses.ready(survivorPort) && assignments(bootstrap, group).size() == 2);
        List<Integer> victimPartitions = assignments(bootstrap, group).get(victimId + "-requests");
        List<Integer> survivorPartitions = assignments(bootstrap, group).get(survivorId + "-requests");

        try (DockerConnection docker = DockerConnection.connect("unix:///var/run/docker.sock")) {
            DockerClient client = docker.client();
            String otherGroups = plantInAnotherGroup(client, bootstrap, topics, victimId);
            try {
                Set<String> ids = new HashSet<>();
                ExecutionRequest longRun;
                try (Requests requests = new Requests(bootstrap, topics.requests())) {
                    longRun = withFile(Requests.command(Isolation.CONTAINER, "sh", "-c", "cat data.txt; sleep 300"))
                            .setLimits(Requests.timeoutMillis(LONG_TIMEOUT_MS)).build();
                    requests.send(longRun, victimPartitions.get(0));
                    ids.add(longRun.getRequestId());
                    for (int i = 0; i < 6; i++) {
                        List<Integer> partitions = i % 2 == 0 ? victimPartitions : survivorPartitions;
                        ExecutionRequest shortRun = withFile(Requests.command(Isolation.CONTAINER, "sh", "-c",
                                "sleep 4; cat data.txt")).build();
                        requests.send(shortRun, partitions.get(i % partitions.size()));
                        ids.add(shortRun.getRequestId());
                    }
                }
                Map<String, String> victims = Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, victimId,
                        GroupScope.LABEL_GROUP, group);
                await().atMost(Duration.ofSeconds(60)).until(() -> client.listContainersCmd()
                        .withLabelFilter(Map.of(HardenedHostConfig.LABEL_REQUEST_ID, longRun.getRequestId(),
                                HardenedHostConfig.LABEL_EXECUTOR_ID, victimId))
                        .exec().stream().anyMatch(c -> "running".equals(c.getState())));
                int victimsContainers = client.listContainersCmd().withShowAll(true).withLabelFilter(victims).exec()
                        .size();

                victim.destroyForcibly(); // SIGKILL
                assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
                long killedAt = System.nanoTime();

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                        client.listContainersCmd().withShowAll(true).withLabelFilter(victims).exec().isEmpty()
                                && volumes(client, victimId).isEmpty());
                Duration reapedAfter = Duration.ofNanos(System.nanoTime() - killedAt);
                assertThat(reapedAfter).as("removed before the long run's own deadline (timeout + 10 s)")
                        .isLessThan(Duration.ofMillis(LONG_TIMEOUT_MS));
                assertThat(MetricsScrape.sum(survivorPort, "execq_orphans_reaped_total",
                        Map.of("reason", "owner_gone", "resource", "container"))).isGreaterThanOrEqualTo(1.0);
                assertThat(MetricsScrape.sum(survivorPort, "execq_orphans_reaped_total",
                        Map.of("reason", "owner_gone", "resource", "volume"))).isGreaterThanOrEqualTo(1.0);
                assertThat(client.listContainersCmd().withShowAll(true)
                        .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, victimId)).exec())
                        .as("the same owner id in another group is not this group's to judge")
                        .extracting(Container::getId).containsExactly(otherGroups);

                List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), ids,
                        Duration.ofSeconds(90));
                Map<String, Long> perRequest = results.stream()
                        .collect(Collectors.groupingBy(ExecutionResult::getRequestId, Collectors.counting()));
                assertThat(perRequest.keySet()).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(perRequest).allSatisfy((id, count) -> assertThat(count).as("results of %s", id)
                        .isEqualTo(1L));
                ExecutionResult redone = Results.only(results, longRun.getRequestId());
                assertThat(redone.getStatus()).isEqualTo(ExecutionStatus.TIMED_OUT);
                assertThat(redone.getExecutorId()).isEqualTo(survivorId);
                assertThat(results).filteredOn(r -> !r.getRequestId().equals(longRun.getRequestId()))
                        .allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED));
                ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests());
                System.out.printf("DeadExecutorReapingIT: %d container(s) of the victim at the kill, all removed "
                        + "%d ms after it%n", victimsContainers, reapedAfter.toMillis());
            } finally {
                client.removeContainerCmd(otherGroups).withForce(true).exec();
            }
        }
    }

    private static List<String> options(int httpPort) {
        return List.of("--http-port", Integer.toString(httpPort), "--concurrency", "4", "--fallback", "none",
                "--max-timeout", "2m");
    }

    private static ExecutionRequest.Builder withFile(ExecutionRequest.Builder request) {
        // A file makes the run's workspace a volume, which must be reaped too.
        return request.setFiles(List.of(new FileEntry("data.txt",
                ByteBuffer.wrap("data\n".getBytes(StandardCharsets.UTF_8)), false)));
    }

    /** The partitions of each member of a stable group, by client id. */
    private static Map<String, List<Integer>> assignments(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            if (description.groupState() != GroupState.STABLE) {
                return Map.of();
            }
            Map<String, List<Integer>> partitions = new HashMap<>();
            for (MemberDescription member : description.members()) {
                List<Integer> assigned = member.assignment().topicPartitions().stream()
                        .map(TopicPartition::partition).sorted().toList();
                if (!assigned.isEmpty()) {
                    partitions.put(member.clientId(), assigned);
                }
            }
            return partitions;
        }
    }

    /** A running container of {@code owner} as another group of this cluster and topic would label it. */
    private static String plantInAnotherGroup(DockerClient client, String bootstrap, ExecqTopics topics, String owner)
            throws Exception {
        GroupScope other;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            other = new GroupScope(admin.describeCluster().clusterId().get(),
                    admin.describeTopics(List.of(topics.requests())).allTopicNames().get().get(topics.requests())
                            .topicId().toString(), "another-group-" + UUID.randomUUID());
        }
        Map<String, String> labels = new HashMap<>(HardenedHostConfig.labels("planted", owner,
                Instant.now().minusSeconds(60)));
        labels.putAll(other.labels());
        String id = client.createContainerCmd("execq/busybox:latest").withCmd("sleep", "300").withLabels(labels)
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        client.startContainerCmd(id).exec();
        return id;
    }

    private static List<String> volumes(DockerClient client, String owner) {
        List<String> names = new ArrayList<>();
        var volumes = client.listVolumesCmd()
                .withFilter("label", List.of(HardenedHostConfig.LABEL_EXECUTOR_ID + "=" + owner)).exec().getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> names.add(v.getName()));
        }
        return names;
    }
}
