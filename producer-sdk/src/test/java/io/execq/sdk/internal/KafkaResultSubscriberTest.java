package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.serde.ExecutionResultSerializer;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ExecutionResults;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Loop mechanics with Kafka's MockConsumer; group semantics on a real broker are in ResultSubscriberIT. */
class KafkaResultSubscriberTest {

    private static final String TOPIC = "execq.results";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

    private void assignWithResults(String... requestIds) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0));
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            for (int i = 0; i < requestIds.length; i++) {
                byte[] value = new ExecutionResultSerializer().serialize(TOPIC, ExecutionResults.succeeded(
                        ExecutionRequests.command("echo").requestId(requestIds[i]).build(), ""));
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, i, null, value));
            }
        });
    }

    @Test
    void closeFromInsideTheHandlerStopsAfterThatResultAndCommitsIt() throws Exception {
        assignWithResults("r1", "r2", "r3");
        List<String> handled = new CopyOnWriteArrayList<>();
        AtomicReference<KafkaResultSubscriber> self = new AtomicReference<>();
        KafkaResultSubscriber subscriber = new KafkaResultSubscriber(consumer, TOPIC, result -> {
            handled.add(result.getRequestId());
            if (result.getRequestId().equals("r2")) {
                self.get().close();
            }
        });
        self.set(subscriber);

        subscriber.start();

        assertThat(subscriber.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(subscriber.termination()).isCompleted();
        assertThat(handled).containsExactly("r1", "r2");
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void commitsPastUndecodableRecordsAndCountsThem() throws Exception {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0));
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, null, new byte[] {1}));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, null, null));
        });
        KafkaResultSubscriber subscriber = new KafkaResultSubscriber(consumer, TOPIC, result -> { }).start();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> new OffsetAndMetadata(2).equals(consumer.committed(Set.of(P0)).get(P0)));
        subscriber.close();

        assertThat(subscriber.skippedRecords()).isEqualTo(2);
        assertThat(subscriber.termination()).isCompleted();
    }
}
