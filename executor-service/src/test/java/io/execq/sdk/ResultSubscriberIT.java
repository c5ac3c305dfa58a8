package io.execq.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultSerializer;
import io.execq.testing.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ResultSubscriber against a real broker. Each test has its own one-partition results topic, so the order of
 * delivery is the order of the log: a result that arrives proves every earlier record was either delivered before it
 * or deliberately passed over.
 */
class ResultSubscriberIT {

    private final String bootstrapServers = TestKafka.shared().bootstrapServers();
    private final String topic = "sdk-it.results." + UUID.randomUUID();
    private final String group = "sdk-it-" + UUID.randomUUID();
    private final ExecutionResultSerializer serializer = new ExecutionResultSerializer();
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeEach
    void createTopicAndProducer() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sdk-it-" + UUID.randomUUID(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        producer.initTransactions();
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    private static ExecutionResult result(String requestId) {
        return ExecutionResults.succeeded(ExecutionRequests.command("echo").requestId(requestId).build(), requestId);
    }

    private void publish(boolean commit, String... requestIds) throws Exception {
        producer.beginTransaction();
        for (String id : requestIds) {
            producer.send(new ProducerRecord<>(topic, id.getBytes(), serializer.serialize(topic, result(id)))).get();
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private void publishRaw(byte[] value) throws Exception {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, null, value)).get();
        producer.commitTransaction();
    }

    private ResultSubscriber subscribe(List<String> received, ResultHandler handler) {
        return ResultSubscriber.builder()
                .bootstrapServers(bootstrapServers)
                .resultsTopic(topic)
                .groupId(group)
                .handler(result -> {
                    handler.handle(result);
                    received.add(result.getRequestId());
                })
                .build();
    }

    private static void awaitReceived(List<String> received, String last) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> received.contains(last));
    }

    @Test
    void deliversCommittedResultsAndNeverAbortedOnes() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        publish(true, "r1", "r2");
        publish(false, "aborted");
        publish(true, "r3");

        try (ResultSubscriber subscriber = subscribe(received, result -> { })) {
            awaitReceived(received, "r3");
        }

        assertThat(received).containsExactly("r1", "r2", "r3");
    }

    @Test
    void aRestartedSubscriberOfTheSameGroupResumesAfterWhatItCommitted() throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        publish(true, "r1", "r2");
        ResultSubscriber subscriber = subscribe(first, result -> { });
        awaitReceived(first, "r2");
        subscriber.close();
        assertThat(subscriber.termination()).isCompleted();

        publish(true, "r3");
        List<String> second = new CopyOnWriteArrayList<>();
        try (ResultSubscriber restarted = subscribe(second, result -> { })) {
            awaitReceived(second, "r3");
        }

        assertThat(first).containsExactly("r1", "r2");
        assertThat(second).containsExactly("r3");
    }

    @Test
    void aFailingHandlerStopsTheSubscriberWithoutCommittingTheFailedResult() throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        publish(true, "r1", "r2", "r3");
        IllegalStateException boom = new IllegalStateException("billing is down");
        ResultSubscriber subscriber = subscribe(first, result -> {
            if (result.getRequestId().equals("r2")) {
                throw boom;
            }
        });

        assertThat(subscriber.awaitTermination(Duration.ofSeconds(30))).isTrue();
        assertThatThrownBy(() -> subscriber.termination().join()).hasCause(boom);
        subscriber.close();

        List<String> second = new CopyOnWriteArrayList<>();
        try (ResultSubscriber restarted = subscribe(second, result -> { })) {
            awaitReceived(second, "r3");
        }
        assertThat(first).containsExactly("r1");
        assertThat(second).containsExactly("r2", "r3");
    }

    @Test
    void skipsUndecodableRecordsAndCountsThem() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        publishRaw(new byte[] {1, 2, 3});
        publish(true, "r1");

        try (ResultSubscriber subscriber = subscribe(received, result -> { })) {
            awaitReceived(received, "r1");
            assertThat(subscriber.skippedRecords()).isEqualTo(1);
            assertThat(subscriber.termination()).isNotDone();
        }
        assertThat(received).containsExactly("r1");
    }
}
