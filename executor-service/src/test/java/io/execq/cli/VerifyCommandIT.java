package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.pipeline.DeadLetterHeaders;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.schema.serde.ExecutionResultSerializer;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionResults;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code execq verify} against a real broker: hand-written topics with one of every finding (the executor never
 * writes them on purpose), and a real executor's output, which must verify clean.
 */
class VerifyCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String bootstrap = TestKafka.shared().bootstrapServers();

    private static CliRun verify(ExecqTopics topics, String... args) {
        List<String> all = new ArrayList<>(List.of("verify"));
        all.addAll(topics.cliOptions());
        all.addAll(List.of(args));
        return CliRun.of(all);
    }

    @Test
    void reportsMissingDuplicatedAndUnexpectedAnswersAndExits1() throws Exception {
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        ExecutionRequest ok = request();
        ExecutionRequest failed = request();
        ExecutionRequest lost = request();
        ExecutionRequest twice = request();
        ExecutionRequest replay = ExecutionRequest.newBuilder(request()).setReplayOf(failed.getRequestId())
                .setAttempt(2).build();
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
            producer.beginTransaction();
            send(producer, topics.requests(), 0, ok);
            send(producer, topics.requests(), 0, failed);
            producer.send(new ProducerRecord<>(topics.requests(), 1, bytes("junk"), bytes("not a request")));
            send(producer, topics.requests(), 1, lost);
            send(producer, topics.requests(), 1, twice);
            send(producer, topics.requests(), 0, replay);
            producer.commitTransaction();

            producer.beginTransaction();
            send(producer, topics.results(), ExecutionResults.succeeded(ok, "ok"));
            send(producer, topics.results(), ExecutionResults.failed(failed, 3, ""));
            producer.send(deadLetter(topics, "FAILED", 0, 1));
            producer.send(deadLetter(topics, "UNDECODABLE", 1, 0));
            send(producer, topics.results(), ExecutionResults.succeeded(twice, "one"));
            send(producer, topics.results(), ExecutionResults.succeeded(twice, "two"));
            send(producer, topics.results(), ExecutionResults.succeeded(replay, "replayed"));
            send(producer, topics.results(), ExecutionResults.succeeded(request(), "for nobody"));
            producer.commitTransaction();

            // An aborted answer is invisible to read_committed readers: `lost` stays missing.
            producer.beginTransaction();
            send(producer, topics.results(), ExecutionResults.succeeded(lost, "aborted"));
            producer.abortTransaction();
        }

        CliRun table = verify(topics);

        assertThat(table.status()).as(table.err()).isEqualTo(1);
        assertThat(table.out()).contains(
                String.format("%-10s  %-36s  %8d  (1 undecodable, 1 replays)", "requests", topics.requests(), 6),
                String.format("%-20s  %8d", "missing", 1), String.format("%-20s  %8d", "duplicated", 1),
                String.format("%-20s  %8d", "unexpected", 1),
                String.format("%-20s  %8d", "UNDECODABLE", 1), String.format("%-20s  %8d", "SUCCEEDED", 5),
                String.format("%-10s  %-36s  %-40s  %s", "missing", lost.getRequestId(), topics.requests() + "/1/1",
                        "no result and no dead letter"),
                "FAILED: 6 request record(s), 6 result(s), 2 dead letter(s): 1 missing, 1 duplicated, 1 unexpected");

        CliRun json = verify(topics, "--json");

        assertThat(json.status()).isEqualTo(1);
        JsonNode report = JSON.readTree(json.out());
        assertThat(report.get("clean").asBoolean()).isFalse();
        assertThat(report.get("requestRecords").asLong()).isEqualTo(6);
        assertThat(report.get("replays").asLong()).isEqualTo(1);
        assertThat(report.get("deadLettersByReason").get("FAILED").asLong()).isEqualTo(1);
        assertThat(report.get("missing").get(0).get("requestId").asText()).isEqualTo(lost.getRequestId());
        assertThat(report.get("duplicated").get(0).get("requestId").asText()).isEqualTo(twice.getRequestId());
        assertThat(report.get("duplicated").get(0).get("detail").asText()).startsWith("2 results for 1 request record");
        assertThat(report.get("unexpected").get(0).get("detail").asText())
                .isEqualTo("result for a request id no request record carries");
    }

    @Test
    void aRealExecutorsOutputVerifiesCleanAndExits0() throws Exception {
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of()));
             KafkaProducer<byte[], byte[]> producer = plainProducer()) {
            send(producer, topics.requests(), 0, ExecutionRequests.command("echo", "hi")
                    .isolation(Isolation.PROCESS).build());
            send(producer, topics.requests(), 1, ExecutionRequests.command("sh", "-c", "exit 3")
                    .isolation(Isolation.PROCESS).build());
            producer.send(new ProducerRecord<>(topics.requests(), 1, null, bytes("junk")));
            producer.flush();

            CliRun run = verify(topics, "--wait", "60s");

            assertThat(run.status()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains(String.format("%-20s  %8d", "FAILED", 1),
                    String.format("%-20s  %8d", "UNDECODABLE", 1),
                    "OK: 3 request record(s), 2 result(s), 2 dead letter(s): 0 missing, 0 duplicated, 0 unexpected");
        }
    }

    @Test
    void aTopicThatDoesNotExistExits3() {
        CliRun run = CliRun.of("verify", "--bootstrap-servers", bootstrap, "--requests-topic", "no-such-" + UUID
                .randomUUID(), "--read-timeout", "5s");

        assertThat(run.status()).isEqualTo(3);
        assertThat(run.err()).startsWith("execq verify: topic ").contains("does not exist");
    }

    private static ExecutionRequest request() {
        return ExecutionRequests.command("true").build();
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer() {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "verify-it-" + UUID.randomUUID()),
                new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private KafkaProducer<byte[], byte[]> plainProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
            ExecutionRequest request) {
        producer.send(new ProducerRecord<>(topic, partition, bytes(request.getRequestId()),
                new ExecutionRequestSerializer().serialize(topic, request)));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, ExecutionResult result) {
        producer.send(new ProducerRecord<>(topic, bytes(result.getRequestId()),
                new ExecutionResultSerializer().serialize(topic, result)));
    }

    /** A dead letter as the executor writes it: reason and source position in headers. */
    private static ProducerRecord<byte[], byte[]> deadLetter(ExecqTopics topics, String reason, int partition,
            long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, bytes(topics.requests()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, bytes(Long.toString(offset)));
        return new ProducerRecord<>(topics.deadLetters(), null, null, null, bytes("original"), headers);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
