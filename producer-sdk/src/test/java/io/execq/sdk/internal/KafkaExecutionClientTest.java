package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultSerializer;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionResults;
import io.execq.sdk.ExecutionTimeoutException;
import io.execq.sdk.ResultsNotAuthorizedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's wiring, with Kafka's own mock producer and consumer; the real broker is in ExecutionClientIT. */
class KafkaExecutionClientTest {

    private static final String RESULTS = "execq.results";
    private static final TopicPartition P0 = new TopicPartition(RESULTS, 0);
    private static final TopicPartition P1 = new TopicPartition(RESULTS, 1);

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final GatedConsumer consumer = new GatedConsumer();
    private final ManualTimeouts timeouts = new ManualTimeouts();
    private final KafkaExecutionClient client = new KafkaExecutionClient(producer, () -> consumer, "execq.requests",
            RESULTS, 1 << 20, timeouts, Duration.ofSeconds(1));

    /** A MockConsumer whose partition lookup can be held back, and whose poll does not spin. */
    static final class GatedConsumer extends MockConsumer<byte[], byte[]> {
        final CountDownLatch partitionsAvailable = new CountDownLatch(1);
        volatile boolean gated;
        volatile RuntimeException partitionsForError;

        GatedConsumer() {
            super("latest");
        }

        @Override
        public List<PartitionInfo> partitionsFor(String topic) {
            if (gated) {
                try {
                    partitionsAvailable.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (partitionsForError != null) {
                throw partitionsForError;
            }
            return super.partitionsFor(topic);
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.poll(timeout);
        }
    }

    private void resultsTopicWithEndOffsets(long p0, long p1) {
        Node node = new Node(0, "127.0.0.1", 9092);
        consumer.updatePartitions(RESULTS, List.of(
                new PartitionInfo(RESULTS, 0, node, new Node[0], new Node[0]),
                new PartitionInfo(RESULTS, 1, node, new Node[0], new Node[0])));
        Map<TopicPartition, Long> ends = new HashMap<>();
        ends.put(P0, p0);
        ends.put(P1, p1);
        consumer.updateEndOffsets(ends);
    }

    private void publishResult(TopicPartition partition, long offset, ExecutionResult result) {
        byte[] value = new ExecutionResultSerializer().serialize(RESULTS, result);
        consumer.addRecord(new ConsumerRecord<>(RESULTS, partition.partition(), offset,
                result.getRequestId().getBytes(StandardCharsets.UTF_8), value));
    }

    /** Requests are sent only once the reader is positioned, so this also waits for the reader. */
    private void awaitSent(int requests) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == requests);
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void executeCompletesWithTheResultCorrelatedByRequestId() throws Exception {
        resultsTopicWithEndOffsets(5, 7);
        ExecutionRequest request = ExecutionRequests.command("echo", "hi").requestId("r1").build();
        ExecutionRequest other = ExecutionRequests.command("echo", "ho").requestId("r2").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));
        CompletableFuture<ExecutionResult> otherResult = client.execute(other, Duration.ofSeconds(30));
        awaitSent(2);
        ExecutionResult answer = ExecutionResults.succeeded(request, "hi\n");
        publishResult(P1, 7, ExecutionResults.succeeded(
                ExecutionRequests.command("x").requestId("stranger").build(), "?"));
        publishResult(P0, 5, answer);

        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(answer);
        assertThat(otherResult).isNotDone();
        assertThat(client.pendingCount()).isEqualTo(1);
    }

    @Test
    void publishesOnlyAfterTheReaderIsPositionedAtTheEndOfEveryPartition() throws Exception {
        consumer.gated = true;
        resultsTopicWithEndOffsets(5, 7);
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));
        Thread.sleep(100);
        assertThat(producer.history()).isEmpty();
        consumer.partitionsAvailable.countDown();

        awaitSent(1);
        assertThat(consumer.assignment()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.position(P0)).isEqualTo(5);
        assertThat(consumer.position(P1)).isEqualTo(7);
        assertThat(result).isNotDone();
    }

    @Test
    void executeTimesOutWithTheRequestIdAndLeavesNoPendingEntry() {
        resultsTopicWithEndOffsets(0, 0);
        ExecutionRequest request = ExecutionRequests.command("sleep", "60").requestId("slow").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(3));
        timeouts.advance(Duration.ofSeconds(3));

        assertThatThrownBy(result::join).cause().isInstanceOf(ExecutionTimeoutException.class)
                .hasMessage("no result for request slow within PT3S");
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void closeFailsOutstandingExecutionsAndLaterCalls() {
        resultsTopicWithEndOffsets(0, 0);
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();
        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));

        client.close();

        assertThatThrownBy(result::join).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed before the result of request r1 arrived");
        assertThat(client.pendingCount()).isZero();
        assertThat(consumer.closed()).isTrue();
        assertThat(producer.closed()).isTrue();
        assertThatThrownBy(() -> client.submit(request).join()).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed");
        assertThatThrownBy(() -> client.execute(request, Duration.ofSeconds(1)).join()).cause()
                .isInstanceOf(IllegalStateException.class).hasMessage("client closed");
    }

    @Test
    void executeFailsClearlyWhenTheResultsTopicDoesNotExist() {
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("results topic execq.results does not exist");
        assertThat(producer.history()).isEmpty();
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void executeWithoutDescribeOnTheResultsTopicFailsTypedAndSendsNothing() {
        consumer.partitionsForError = new TopicAuthorizationException(Set.of(RESULTS));
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();

        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ResultsNotAuthorizedException.class)
                .hasMessage("not authorized to read results topic execq.results (grant this client's principal READ "
                        + "on topic execq.results): org.apache.kafka.common.errors.TopicAuthorizationException: "
                        + "Not authorized to access topics: [execq.results]")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThat(producer.history()).isEmpty();
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void executeWithoutReadOnTheResultsTopicFailsTypedOnceTheReaderIsRefused() {
        resultsTopicWithEndOffsets(0, 0);
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();
        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));
        awaitSent(1);

        consumer.setPollException(new TopicAuthorizationException(Set.of(RESULTS)));

        assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ResultsNotAuthorizedException.class)
                .hasMessageStartingWith("not authorized to read results topic execq.results");
        assertThat(((ResultsNotAuthorizedException) result.handle((ok, e) -> e).join()).topic()).isEqualTo(RESULTS);
        assertThat(client.pendingCount()).isZero();
    }

    @Test
    void submitDoesNotStartTheResultReader() {
        client.submit(ExecutionRequests.command("echo").requestId("r1").build()).join();

        assertThat(producer.history()).hasSize(1);
        assertThat(consumer.assignment()).isEmpty();
    }

    @Test
    void invalidRequestsAndTimeoutsFailTheFutureWithoutSending() {
        ExecutionRequest request = ExecutionRequest.newBuilder(ExecutionRequests.command("echo").build())
                .setCommand(List.of()).build();

        assertThatThrownBy(() -> client.submit(request).join()).cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command must not be empty");
        assertThatThrownBy(() -> client.execute(ExecutionRequests.command("echo").build(), Duration.ZERO).join())
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive, got PT0S");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void skipsUndecodableResultsAndKeepsReading() throws Exception {
        resultsTopicWithEndOffsets(0, 0);
        ExecutionRequest request = ExecutionRequests.command("echo").requestId("r1").build();
        CompletableFuture<ExecutionResult> result = client.execute(request, Duration.ofSeconds(30));
        awaitSent(1);
        consumer.addRecord(new ConsumerRecord<>(RESULTS, 0, 0, new byte[0], new byte[] {1, 2, 3}));
        ExecutionResult answer = ExecutionResults.succeeded(request, "ok");
        publishResult(P0, 1, answer);

        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(answer);
        assertThat(client.skippedResults()).isEqualTo(1);
    }
}
