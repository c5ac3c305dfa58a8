package io.execq.executor.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionRequestSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** What execq needs from any broker it is given: plain round trips, transactions and topic creation. */
abstract class BrokerContract {

    abstract String bootstrapServers();

    @Test
    void producesAndConsumesAnExecutionRequest() throws Exception {
        String topic = newTopic(3);
        ExecutionRequest request = ExecutionRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setSubmittedAt(Instant.parse("2026-11-22T10:00:00Z"))
                .setCommand(List.of("echo", "hi"))
                .build();

        try (KafkaProducer<String, ExecutionRequest> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
                new StringSerializer(), new ExecutionRequestSerializer())) {
            producer.send(new ProducerRecord<>(topic, request.getRequestId(), request)).get();
        }

        List<ConsumerRecord<String, ExecutionRequest>> read = readAll(topic, "read_uncommitted", 1);
        assertThat(read).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(request.getRequestId());
            assertThat(r.value()).isEqualTo(request);
        });
    }

    @Test
    void readCommittedConsumersSeeCommittedTransactionsOnly() throws Exception {
        String topic = newTopic(1);
        try (KafkaProducer<String, ExecutionRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "contract-" + UUID.randomUUID()),
                new StringSerializer(), new ExecutionRequestSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "aborted", request("aborted")));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "committed", request("committed")));
            producer.commitTransaction();
        }

        List<ConsumerRecord<String, ExecutionRequest>> read = readAll(topic, "read_committed", 1);
        assertThat(read).extracting(ConsumerRecord::key).containsExactly("committed");
    }

    @Test
    void createsTheExecqTopicsOnceWithTheirSettings() throws Exception {
        String suffix = UUID.randomUUID().toString();
        TopicSettings settings = new TopicSettings("req-" + suffix, "res-" + suffix, "dlt-" + suffix, 4, 2,
                (short) 1, 8 << 20, Duration.ofDays(2));

        try (Admin admin = admin()) {
            Topics topics = new Topics(admin);
            assertThat(topics.ensure(settings)).containsExactly("req-" + suffix, "res-" + suffix, "dlt-" + suffix);
            assertThat(topics.ensure(settings)).isEmpty();

            var described = admin.describeTopics(List.of("req-" + suffix, "res-" + suffix)).allTopicNames().get();
            assertThat(described.get("req-" + suffix).partitions()).hasSize(4);
            assertThat(described.get("res-" + suffix).partitions()).hasSize(2);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "res-" + suffix);
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()).isEqualTo(Integer.toString(8 << 20));
            assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
                    .isEqualTo(Long.toString(Duration.ofDays(2).toMillis()));
        }
    }

    private static ExecutionRequest request(String id) {
        return ExecutionRequest.newBuilder().setRequestId(id).setSubmittedAt(Instant.EPOCH)
                .setCommand(List.of("true")).build();
    }

    private String newTopic(int partitions) throws Exception {
        String name = "contract-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
        return name;
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    private List<ConsumerRecord<String, ExecutionRequest>> readAll(String topic, String isolation, int atLeast) {
        List<ConsumerRecord<String, ExecutionRequest>> read = new ArrayList<>();
        try (KafkaConsumer<String, ExecutionRequest> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "contract-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation),
                new StringDeserializer(), new ExecutionRequestDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Keep polling a little after the expected count so that an extra (wrong) record would be seen too.
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
                if (read.size() >= atLeast && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }
        return read;
    }
}
