package io.execq.sdk.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.sdk.ExecutionRequests;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Operators replaying the same dead-letter topic at the same moment: whatever the interleaving, every failure is
 * re-published exactly once in committed data. The runs that lose the race fail with {@link ReplayConflictException}
 * having published nothing, or find everything already replayed.
 */
class ConcurrentReplayIT {

    @Test
    void concurrentReplaysOfOneDeadLetterTopicRepublishEachFailureExactlyOnce() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        String replays = "replays-" + UUID.randomUUID().toString().substring(0, 8);
        int failures = 40;
        List<String> failedIds = deadLetters(bootstrap, topics.deadLetters(), failures);

        ExecutorService operators = Executors.newFixedThreadPool(3);
        List<Future<String>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Callable<String> run = () -> {
                Replayer replayer = Replayer.builder().bootstrapServers(bootstrap)
                        .deadLetterTopic(topics.deadLetters()).requestsTopic(topics.requests())
                        .replaysTopic(replays).build();
                try {
                    long replayed = replayer.replay(ReplayFilter.all(), false).stream()
                            .filter(o -> o.action() == ReplayOutcome.Action.REPLAYED).count();
                    return "replayed " + replayed;
                } catch (ReplayConflictException e) {
                    return "fenced";
                }
            };
            runs.add(operators.submit(run));
        }
        List<String> outcomes = new ArrayList<>();
        for (Future<String> run : runs) {
            outcomes.add(run.get(3, TimeUnit.MINUTES));
        }
        operators.shutdown();
        System.out.println("concurrent replay outcomes: " + outcomes);

        ExecutionRequestDeserializer decoder = new ExecutionRequestDeserializer();
        List<ExecutionRequest> republished = TopicReader.readCommitted(bootstrap, topics.requests(),
                read -> read.size() >= failures, Duration.ofSeconds(30), Duration.ofSeconds(2)).stream()
                .map(r -> decoder.deserialize(r.topic(), r.value())).toList();
        assertThat(republished).extracting(ExecutionRequest::getReplayOf)
                .as("outcomes of the three runs: %s", outcomes)
                .containsExactlyInAnyOrderElementsOf(failedIds);
        assertThat(republished).allSatisfy(r -> assertThat(r.getAttempt()).isEqualTo(2));
        long replayedTotal = outcomes.stream().filter(o -> o.startsWith("replayed "))
                .mapToLong(o -> Long.parseLong(o.substring("replayed ".length()))).sum();
        assertThat(replayedTotal).as("outcomes %s", outcomes).isEqualTo(failures);
        assertThat(republished.stream().map(ExecutionRequest::getRequestId).collect(Collectors.toSet()))
                .hasSize(failures);
    }

    /** Dead letters as the executor writes them: the original request bytes, the reason in the headers. */
    private static List<String> deadLetters(String bootstrap, String topic, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        ExecutionRequestSerializer serializer = new ExecutionRequestSerializer();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                ExecutionRequest failed = ExecutionRequests.command("sh", "-c", "exit 3").build();
                RecordHeaders headers = new RecordHeaders();
                headers.add(DeadLetterHeaders.REASON, "FAILED".getBytes(StandardCharsets.UTF_8));
                headers.add(DeadLetterHeaders.DETAIL, "exit 3".getBytes(StandardCharsets.UTF_8));
                headers.add(DeadLetterHeaders.REQUEST_ID, failed.getRequestId().getBytes(StandardCharsets.UTF_8));
                headers.add(DeadLetterHeaders.FAILED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, null, failed.getRequestId(),
                        serializer.serialize(topic, failed), headers)).get();
                ids.add(failed.getRequestId());
            }
        }
        return ids;
    }

}
