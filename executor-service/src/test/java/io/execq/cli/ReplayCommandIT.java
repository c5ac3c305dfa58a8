package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code execq replay} against a real broker and a real in-process executor that dead-letters real failures. */
class ReplayCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static String bootstrap;
    private static ExecqTopics topics;
    private static String replaysTopic;
    private static ExecutorInstance executor;

    @BeforeAll
    static void startExecutor() {
        bootstrap = TestKafka.shared().bootstrapServers();
        topics = ExecqTopics.create(bootstrap, 2);
        replaysTopic = "replays-" + UUID.randomUUID().toString().substring(0, 8);
        executor = ExecutorInstance.start(topics.executorConfig(Map.of()));
    }

    @AfterAll
    static void stopExecutor() {
        executor.close();
    }

    private static CliRun execq(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(topics.cliOptions());
        if (command.equals("replay")) {
            all.addAll(List.of("--replays-topic", replaysTopic));
        }
        all.addAll(List.of(args));
        return CliRun.of(all);
    }

    /** Runs a command that exits 4 and waits until its dead letter is committed; returns its request id. */
    private static String failedRun() throws Exception {
        CliRun run = execq("submit", "--wait", "--json", "--isolation", "process", "--", "sh", "-c", "exit 4");
        assertThat(run.status()).as(run.err()).isEqualTo(1);
        String id = JSON.readTree(run.out()).get("requestId").asText();
        awaitDeadLetterFor(id);
        return id;
    }

    private static void awaitDeadLetterFor(String key) {
        List<ConsumerRecord<String, byte[]>> dlt = TopicReader.readCommitted(bootstrap, topics.deadLetters(),
                read -> read.stream().anyMatch(r -> key.equals(r.key())), Duration.ofSeconds(30), Duration.ZERO);
        assertThat(dlt).as("dead letter for %s", key).anyMatch(r -> key.equals(r.key()));
    }

    @Test
    void replayingAFailedRunOnceYieldsAttempt2WithReplayOfAndReplayingAgainPublishesNothing() throws Exception {
        String original = failedRun();

        CliRun first = execq("replay", "--request-id", original);

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.lines()).hasSize(3);
        assertThat(first.lines().get(0)).isEqualTo(ReplayCommand.HEADER);
        assertThat(first.lines().get(1)).contains(original).contains("FAILED").contains("replayed");
        assertThat(first.lines().get(2)).isEqualTo("1 matching dead letter(s): 1 replayed, 0 would be replayed "
                + "(dry run), 0 already replayed, 0 not replayable");
        ExecutionResult replayed = awaitResultReplaying(original);
        assertThat(replayed.getAttempt()).isEqualTo(2);
        assertThat(replayed.getReplayOf()).isEqualTo(original);
        assertThat(replayed.getExitCode()).isEqualTo(4);
        assertThat(first.lines().get(1)).contains("as " + replayed.getRequestId());

        Map<TopicPartition, Long> before = endOffsets(topics.requests());
        CliRun second = execq("replay", "--request-id", original);

        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.lines().get(1)).contains("already replayed").contains("as " + replayed.getRequestId());
        assertThat(second.lines().get(2)).isEqualTo("1 matching dead letter(s): 0 replayed, 0 would be replayed "
                + "(dry run), 1 already replayed, 0 not replayable");
        assertThat(endOffsets(topics.requests())).isEqualTo(before);
        // The replay is a request of its own: its result is neither a duplicate of the original's nor unexpected.
        VerifyReport report = ExactlyOnce.verify(topics, Duration.ofSeconds(60));
        assertThat(report.replays()).isPositive();
    }

    @Test
    void dryRunListsWhatWouldBeReplayedAndPublishesNothing() throws Exception {
        String original = failedRun();
        Map<TopicPartition, Long> before = endOffsets(topics.requests());

        CliRun dryRun = execq("replay", "--dry-run", "--request-id", original, "--status", "failed");

        assertThat(dryRun.status()).as(dryRun.err()).isZero();
        assertThat(dryRun.lines().get(1)).contains(original).contains("would replay");
        assertThat(dryRun.lines().get(2)).isEqualTo("1 matching dead letter(s): 0 replayed, 1 would be replayed "
                + "(dry run), 0 already replayed, 0 not replayable");
        assertThat(endOffsets(topics.requests())).isEqualTo(before);

        CliRun real = execq("replay", "--request-id", original);
        assertThat(real.lines().get(1)).contains("replayed").doesNotContain("already");
    }

    @Test
    void undecodableRecordsAreListedButNotReplayed() throws Exception {
        String key = "junk-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.requests(), key,
                    "not an execq record".getBytes(StandardCharsets.UTF_8))).get();
        }
        awaitDeadLetterFor(key);
        Map<TopicPartition, Long> before = endOffsets(topics.requests());

        CliRun run = execq("replay", "--status", "UNDECODABLE");

        assertThat(run.status()).as(run.err()).isZero();
        String row = run.lines().stream().filter(l -> l.contains(key)).findFirst().orElseThrow();
        assertThat(row).contains("(key " + key + ")").contains("UNDECODABLE")
                .contains("not replayable").contains("undecodable: NOT_SINGLE_OBJECT_ENCODED");
        assertThat(run.lines().get(run.lines().size() - 1)).contains(" 0 replayed,");
        assertThat(endOffsets(topics.requests())).isEqualTo(before);
    }

    private static ExecutionResult awaitResultReplaying(String original) {
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        List<ExecutionResult> replays = TopicReader.readCommitted(bootstrap, topics.results(),
                        read -> read.stream().anyMatch(r -> original.equals(
                                decoder.deserialize(r.topic(), r.value()).getReplayOf())),
                        Duration.ofSeconds(30), Duration.ofSeconds(1)).stream()
                .map(r -> decoder.deserialize(r.topic(), r.value()))
                .filter(r -> original.equals(r.getReplayOf())).collect(Collectors.toList());
        assertThat(replays).hasSize(1);
        return replays.get(0);
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions);
        }
    }
}
