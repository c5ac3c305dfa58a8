package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The whole pipeline against a real broker and a real Docker engine: every request gets exactly one result. */
class ExecutorPipelineIT {

    @Test
    void fiveHundredMixedRecordsEachGetExactlyOneCommittedResultAndNothingIsSkipped() throws Exception {
        DockerAvailability.requireDocker();
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 8);
        String group = "pipeline-it-" + UUID.randomUUID();
        Map<String, ExecutionStatus> expected = new HashMap<>();
        int undecodable = 0;

        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            for (int i = 0; i < 500; i++) {
                ExecutionRequest request;
                ExecutionStatus status;
                switch (i % 50) {
                    case 0, 1, 2, 3, 4, 5 -> {
                        request = Requests.command(Isolation.PROCESS, "echo", "ok " + i).build();
                        status = ExecutionStatus.SUCCEEDED;
                    }
                    case 6, 7, 8, 9, 10, 11 -> {
                        // A file in the workspace, reached through $HOME: the run user can get to its workspace.
                        request = Requests.command(Isolation.PROCESS, "sh", "-c", ". \"$HOME/run.sh\"")
                                .setFiles(List.of(new io.execq.schema.FileEntry("run.sh",
                                        java.nio.ByteBuffer.wrap("echo from a file\n".getBytes()), false)))
                                .build();
                        status = ExecutionStatus.SUCCEEDED;
                    }
                    case 12, 13, 14, 15, 16, 17 -> {
                        request = Requests.command(Isolation.CONTAINER, "echo", "in a container").build();
                        status = ExecutionStatus.SUCCEEDED;
                    }
                    case 18, 19, 20 -> {
                        request = Requests.command(Isolation.PROCESS, "sh", "-c", "exit 3").build();
                        status = ExecutionStatus.FAILED;
                    }
                    case 21 -> {
                        request = Requests.command(Isolation.CONTAINER, "sleep", "30")
                                .setLimits(Requests.timeoutMillis(500)).build();
                        status = ExecutionStatus.TIMED_OUT;
                    }
                    case 22 -> {
                        request = Requests.command(Isolation.CONTAINER, "sh", "-c", "x=a; while true; do x=$x$x; done")
                                .setLimits(new Limits(20_000L, 16L << 20, null, null, null)).build();
                        status = ExecutionStatus.OOM_KILLED;
                    }
                    case 23, 24, 25, 26, 27, 28, 29, 30, 31 -> {
                        request = (i % 2 == 0 ? Requests.command(Isolation.CONTAINER)
                                : Requests.command(Isolation.CONTAINER, "true").setImage("ubuntu:24.04")).build();
                        status = ExecutionStatus.REJECTED;
                    }
                    case 32, 33, 34, 35, 36, 37, 38, 39, 40 -> {
                        // Stale work: submitted a minute ago, its deadline passed while it was queued.
                        request = Requests.command(Isolation.CONTAINER, "true")
                                .setSubmittedAt(Instant.now().minusSeconds(60))
                                .setDeadline(Instant.now().minusSeconds(1)).build();
                        status = ExecutionStatus.EXPIRED;
                    }
                    default -> {
                        requests.sendRaw("junk-" + i, ("not an execq record " + i).getBytes(StandardCharsets.UTF_8));
                        undecodable++;
                        continue;
                    }
                }
                requests.send(request);
                expected.put(request.getRequestId(), status);
            }
        }
        assertThat(expected).hasSize(410);
        assertThat(undecodable).isEqualTo(90);

        ExecutorConfig config = topics.executorConfig(Map.of("group-id", group, "concurrency", "4", "rate", "1000",
                "retry-backoff", "100ms"));
        try (ExecutorInstance executor = ExecutorInstance.start(config)) {
            List<ConsumerRecord<String, byte[]>> results = TopicReader.readCommitted(bootstrap, topics.results(),
                    read -> read.size() >= expected.size(), Duration.ofMinutes(4), Duration.ofSeconds(2));

            ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
            Map<String, List<ExecutionResult>> byId = results.stream()
                    .map(r -> decoder.deserialize(r.topic(), r.value()))
                    .collect(Collectors.groupingBy(ExecutionResult::getRequestId));
            assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            assertThat(byId.values()).allSatisfy(list -> assertThat(list).hasSize(1));
            Map<String, ExecutionStatus> actual = byId.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0).getStatus()));
            assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);

            ExecutionResult oom = byId.values().stream().map(l -> l.get(0))
                    .filter(r -> r.getStatus() == ExecutionStatus.OOM_KILLED).findFirst().orElseThrow();
            assertThat(oom.getOomKilled()).isTrue();
            assertThat(oom.getBackend().name()).isEqualTo("DOCKER");

            List<ConsumerRecord<String, byte[]>> deadLetters = TopicReader.readCommitted(bootstrap,
                    topics.deadLetters(), read -> read.size() >= 90 + 30 + 10 + 90 + 90, Duration.ofSeconds(30),
                    Duration.ofSeconds(1));
            Map<String, Long> reasons = deadLetters.stream().collect(Collectors.groupingBy(
                    r -> new String(r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8),
                    Collectors.counting()));
            assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of("UNDECODABLE", 90L, "FAILED", 30L,
                    "TIMED_OUT", 10L, "OOM_KILLED", 10L, "REJECTED", 90L, "EXPIRED", 90L));
            ConsumerRecord<String, byte[]> junk = deadLetters.stream()
                    .filter(r -> r.key().startsWith("junk-")).findFirst().orElseThrow();
            assertThat(new String(junk.headers().lastHeader(DeadLetterHeaders.DETAIL).value(), StandardCharsets.UTF_8))
                    .startsWith("NOT_SINGLE_OBJECT_ENCODED: ");
            assertThat(new String(junk.value(), StandardCharsets.UTF_8)).startsWith("not an execq record");

            assertOffsetsFullyCommitted(bootstrap, group, topics.requests());

            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + executor.httpPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains(
                    "execq_results_total{backend=\"PROCESS\",status=\"SUCCEEDED\"} 120.0",
                    "execq_results_total{backend=\"DOCKER\",status=\"SUCCEEDED\"} 60.0",
                    "execq_results_total{backend=\"PROCESS\",status=\"FAILED\"} 30.0",
                    "execq_results_total{backend=\"DOCKER\",status=\"TIMED_OUT\"} 10.0",
                    "execq_results_total{backend=\"DOCKER\",status=\"OOM_KILLED\"} 10.0",
                    "execq_results_total{backend=\"NONE\",status=\"REJECTED\"} 90.0",
                    "execq_results_total{backend=\"NONE\",status=\"EXPIRED\"} 90.0",
                    "execq_dead_letters_total{reason=\"UNDECODABLE\"} 90.0",
                    "execq_queue_wait_seconds_count 230",
                    "execq_run_duration_seconds_bucket{backend=\"DOCKER\",status=\"OOM_KILLED\"",
                    "execq_runs_in_flight 0.0",
                    "execq_partitions_paused 0.0",
                    "execq_docker_healthy 1.0",
                    "resilience4j_bulkhead_available_concurrent_calls{name=\"runs\"} 4.0",
                    "resilience4j_ratelimiter_available_permissions{name=\"runs\"}");
        }
    }

    static void assertOffsetsFullyCommitted(String bootstrap, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = java.util.stream.IntStream.range(0, partitions)
                    .mapToObj(p -> new TopicPartition(topic, p))
                    .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            ends.forEach((tp, end) -> {
                long committedOffset = committed.containsKey(tp) ? committed.get(tp).offset() : 0L;
                assertThat(committedOffset).as("committed offset of %s", tp).isEqualTo(end.offset());
            });
        }
    }
}
