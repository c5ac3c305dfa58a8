package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResultPublisherTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("executors");

    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
            new ByteArraySerializer());
    private final ResultFactory results = new ResultFactory("executor-a", CLOCK);
    private ResultPublisher publisher;

    @BeforeEach
    void init() {
        publisher = new ResultPublisher(producer, new ExecutionResultSerializer(), "results", "dlt", "executor-a",
                CLOCK, new PipelineMetrics(new SimpleMeterRegistry()));
        publisher.init();
    }

    private static ConsumerRecord<String, byte[]> record(int partition, long offset, String key) {
        return new ConsumerRecord<>("requests", partition, offset, key, ("payload-" + key).getBytes());
    }

    private static ExecutionRequest request(String id) {
        return ExecutionRequest.newBuilder().setRequestId(id).setSubmittedAt(Instant.EPOCH)
                .setCommand(List.of("true")).build();
    }

    @Test
    void commitsResultsDeadLettersAndNextOffsetsInOneTransaction() {
        ExecutionResult rejected = results.rejected(request("r2"), "command must not be empty");
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(
                new TopicPartition("requests", 0), new OffsetAndMetadata(3, "xq1:AQI"),
                new TopicPartition("requests", 1), new OffsetAndMetadata(10));
        publisher.publish(new CommitBatch(List.of(
                Completion.of(record(0, 4, "r1"), results.expired(request("r1"))),
                Completion.of(record(0, 5, "r2"), rejected),
                Completion.undecodable(record(1, 9, "junk"), "NOT_SINGLE_OBJECT_ENCODED: nope")), offsets), GROUP);

        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.consumerGroupOffsetsHistory()).as("the scheduler's commit points, offset maps included")
                .containsExactly(Map.of("executors", offsets));
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic).containsExactly("results", "dlt", "results", "dlt", "dlt");
        ProducerRecord<String, byte[]> junk = sent.get(4);
        assertThat(junk.key()).isEqualTo("junk");
        assertThat(junk.value()).isEqualTo("payload-junk".getBytes());
        assertThat(header(junk, DeadLetterHeaders.REASON)).isEqualTo("UNDECODABLE");
        assertThat(header(junk, DeadLetterHeaders.DETAIL)).isEqualTo("NOT_SINGLE_OBJECT_ENCODED: nope");
        assertThat(header(junk, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("1");
        assertThat(header(junk, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("9");
        assertThat(header(junk, DeadLetterHeaders.EXECUTOR_ID)).isEqualTo("executor-a");
        assertThat(header(junk, DeadLetterHeaders.FAILED_AT)).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(header(sent.get(3), DeadLetterHeaders.REASON)).isEqualTo("REJECTED");
        assertThat(header(sent.get(3), DeadLetterHeaders.REQUEST_ID)).isEqualTo("r2");
    }

    @Test
    void aDeadLetterCopyTooLargeForAKafkaRecordGoesWithoutItsValue() {
        byte[] nearTheLimit = new byte[ResultPublisher.DEAD_LETTER_COPY_LIMIT - 100];
        byte[] belowIt = new byte[ResultPublisher.DEAD_LETTER_COPY_LIMIT - 2_000];
        publisher.publish(new CommitBatch(List.of(
                Completion.undecodable(new ConsumerRecord<>("requests", 0, 7, "big", nearTheLimit), "CORRUPT_BODY: x"),
                Completion.undecodable(new ConsumerRecord<>("requests", 0, 8, "fits", belowIt), "CORRUPT_BODY: y")),
                Map.of(new TopicPartition("requests", 0), new OffsetAndMetadata(9))), GROUP);

        ProducerRecord<String, byte[]> omitted = producer.history().get(0);
        assertThat(omitted.value()).isNull();
        assertThat(header(omitted, DeadLetterHeaders.VALUE_OMITTED)).isEqualTo(Integer.toString(nearTheLimit.length));
        assertThat(header(omitted, DeadLetterHeaders.DETAIL)).isEqualTo("CORRUPT_BODY: x (value of "
                + nearTheLimit.length + " bytes omitted from this dead letter: too large to copy; the original is "
                + "requests/0/7)");
        assertThat(header(omitted, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("7");
        ProducerRecord<String, byte[]> copied = producer.history().get(1);
        assertThat(copied.value()).isSameAs(belowIt);
        assertThat(copied.headers().lastHeader(DeadLetterHeaders.VALUE_OMITTED)).isNull();
    }

    @Test
    void successGoesToResultsOnly() {
        ExecutionResult ok = ExecutionResult.newBuilder(results.expired(request("ok")))
                .setStatus(io.execq.schema.ExecutionStatus.SUCCEEDED).setError(null).build();

        publisher.publish(batch(Completion.of(record(0, 0, "ok"), ok)), GROUP);

        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("results");
    }

    @Test
    void abortsTheWholeBatchWhenTheCommitFails() {
        producer.commitTransactionException = new KafkaException("coordinator moved");

        assertThatThrownBy(() -> publisher.publish(batch(
                Completion.of(record(0, 0, "r1"), results.expired(request("r1")))), GROUP))
                .isInstanceOf(PublishAbortedException.class)
                .hasMessage("Transaction of 1 completions aborted: coordinator moved");
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.transactionCommitted()).isFalse();
    }

    @Test
    void fencingIsFatal() {
        producer.commitTransactionException = new ProducerFencedException("newer instance");

        assertThatThrownBy(() -> publisher.publish(batch(
                Completion.of(record(0, 0, "r1"), results.expired(request("r1")))), GROUP))
                .isInstanceOf(FatalPublishException.class)
                .hasMessage("Cannot publish results any more: newer instance");
    }

    @Test
    void aMissingTransactionalIdAclIsFatalAndNamesTheIdAndTheAcl() {
        MockProducer<String, byte[]> refused = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        refused.initTransactionException = new TransactionalIdAuthorizationException(
                "Transactional Id authorization failed.");
        ResultPublisher unauthorized = new ResultPublisher(refused, new ExecutionResultSerializer(), "results", "dlt",
                "executor-a", CLOCK, new PipelineMetrics(new SimpleMeterRegistry()));

        assertThatThrownBy(unauthorized::init).isInstanceOf(FatalPublishException.class)
                .hasMessage("Not authorized to use transactional id execq-executor-executor-a: grant the executor's "
                        + "principal WRITE on TransactionalId prefix execq-executor- (Transactional Id authorization "
                        + "failed.)")
                .hasCauseInstanceOf(TransactionalIdAuthorizationException.class);
    }

    @Test
    void anAuthorizationFailureWrappedByTheProducerIsFatalInsteadOfAnAbortThatWouldRunTheBatchAgain() {
        producer.commitTransactionException = new KafkaException(
                "Cannot execute transactional method because we are in an error state",
                new TopicAuthorizationException(java.util.Set.of("results")));

        assertThatThrownBy(() -> publisher.publish(batch(
                Completion.of(record(0, 0, "r1"), results.expired(request("r1")))), GROUP))
                .isInstanceOf(FatalPublishException.class)
                .hasMessage("Cannot publish results any more: Not authorized to access topics: [results]");
    }

    @Test
    void aTopicAuthorizationFailureIsFatal() {
        producer.commitTransactionException = new TopicAuthorizationException(java.util.Set.of("dlt"));

        assertThatThrownBy(() -> publisher.publish(batch(
                Completion.of(record(0, 0, "r1"), results.expired(request("r1")))), GROUP))
                .isInstanceOf(FatalPublishException.class)
                .hasMessage("Cannot publish results any more: Not authorized to access topics: [dlt]");
    }

    @Test
    void emptyBatchOpensNoTransaction() {
        publisher.publish(CommitBatch.EMPTY, GROUP);

        assertThat(producer.transactionInFlight()).isFalse();
        assertThat(producer.transactionCommitted()).isFalse();
    }

    private static CommitBatch batch(Completion completion) {
        return new CommitBatch(List.of(completion),
                Map.of(completion.partition(), new OffsetAndMetadata(completion.offset() + 1)));
    }

    private static String header(ProducerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
