package io.execq.testing;

import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** A private set of execq topics on the shared test broker, so that test classes never see each other's records. */
public record ExecqTopics(String bootstrapServers, String requests, String results, String deadLetters,
                          int partitions) {

    public static ExecqTopics create(String bootstrapServers, int partitions) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        ExecqTopics topics = new ExecqTopics(bootstrapServers, "requests-" + suffix, "results-" + suffix,
                "dlt-" + suffix, partitions);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            new Topics(admin).ensure(new TopicSettings(topics.requests, topics.results, topics.deadLetters,
                    partitions, partitions, (short) 1, TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofDays(1)));
            // Created topics reach the broker's metadata cache a moment after the controller acknowledges them.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get()
                    .containsAll(java.util.List.of(topics.requests, topics.results, topics.deadLetters)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return topics;
    }

    /**
     * Options of an in-process executor on these topics: this broker (never an embedded one), a free health port, a
     * consumer group of its own; {@code overrides} win.
     */
    public Map<String, String> executorOptions(Map<String, String> overrides) {
        Map<String, String> options = new java.util.HashMap<>(Map.of(
                "bootstrap-servers", bootstrapServers, "embedded-kafka", "never", "http-port", "0",
                "group-id", "it-" + UUID.randomUUID(),
                "requests-topic", requests, "results-topic", results, "dead-letter-topic", deadLetters));
        options.putAll(overrides);
        return options;
    }

    /** The {@code execq} command-line options that point a Kafka-facing command at this broker and these topics. */
    public java.util.List<String> cliOptions() {
        return java.util.List.of("--bootstrap-servers", bootstrapServers, "--requests-topic", requests,
                "--results-topic", results, "--dead-letter-topic", deadLetters);
    }

    /** {@link #executorOptions(Map)} as a validated config. */
    public io.execq.executor.ExecutorConfig executorConfig(Map<String, String> overrides) {
        return io.execq.executor.ExecutorConfig.of(executorOptions(overrides));
    }
}
