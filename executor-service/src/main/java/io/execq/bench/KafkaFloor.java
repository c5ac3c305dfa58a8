package io.execq.bench;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import io.execq.sdk.ExecutionClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The Kafka floor's moving parts: private topics (as many request partitions as execq's default), the
 * {@link KafkaFloorRelay} on them, and an SDK client pointed at them. Close removes the topics again.
 */
final class KafkaFloor implements AutoCloseable {

    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);

    private final Admin admin;
    private final TopicSettings topics;
    private final KafkaFloorRelay relay;
    private final ExecutionClient client;

    private KafkaFloor(Admin admin, TopicSettings topics, KafkaFloorRelay relay, ExecutionClient client) {
        this.admin = admin;
        this.topics = topics;
        this.relay = relay;
        this.client = client;
    }

    static KafkaFloor open(String bootstrapServers) throws InterruptedException {
        String id = "execq-bench-floor-" + UUID.randomUUID().toString().substring(0, 8);
        TopicSettings topics = new TopicSettings(id + ".requests", id + ".results", id + ".dlt",
                TopicSettings.DEFAULT_REQUEST_PARTITIONS, TopicSettings.DEFAULT_RESULT_PARTITIONS, (short) 1,
                TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofHours(1));
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try {
            new Topics(admin).ensure(topics);
            awaitMetadata(admin, topics);
            KafkaFloorRelay relay = new KafkaFloorRelay(ExecutorConfig.of(Map.of("bootstrap-servers",
                    bootstrapServers, "embedded-kafka", "never", "group-id", id, "executor-id", id)),
                    topics.requests(), topics.results());
            ExecutionClient client = ExecutionClient.builder().bootstrapServers(bootstrapServers)
                    .requestsTopic(topics.requests()).resultsTopic(topics.results()).build();
            return new KafkaFloor(admin, topics, relay, client);
        } catch (InterruptedException | RuntimeException e) {
            admin.close();
            throw e;
        }
    }

    ExecutionClient client() {
        return client;
    }

    /** Fails a sample at once when the relay has stopped, instead of letting it wait for its timeout. */
    void requireRelayRunning() {
        if (relay.failure() != null) {
            throw new IllegalStateException("the Kafka floor relay stopped: " + relay.failure(), relay.failure());
        }
    }

    /** Created topics reach every broker's metadata cache a moment after the controller acknowledges them. */
    private static void awaitMetadata(Admin admin, TopicSettings topics) throws InterruptedException {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        List<String> names = List.of(topics.requests(), topics.results());
        while (true) {
            try {
                if (admin.listTopics().names().get().containsAll(names)) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // Retried until the deadline.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topics " + names + " did not appear within " + METADATA_WAIT);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            client.close();
            relay.close();
        } finally {
            admin.deleteTopics(List.of(topics.requests(), topics.results(), topics.deadLetters())).all().get();
            admin.close();
        }
    }
}
