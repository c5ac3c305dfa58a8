package io.execq.sdk.replay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The record of what was replayed: a compacted topic keyed by the dead letter's {@link DeadLetter#position()}, whose
 * value is the request id it was replayed as. Entries are written in the same transaction as the replayed requests,
 * so a committed replay and its ledger entry become visible together or not at all.
 */
final class ReplayLedger {

    private final String topic;

    ReplayLedger(String topic) {
        this.topic = topic;
    }

    String topic() {
        return topic;
    }

    /**
     * Creates the compacted ledger topic when it does not exist (one partition: it is small and read whole). An
     * existing ledger is not created again: on a cluster with ACLs the operator then needs no {@code CREATE}, because
     * a create request without it is refused even for a topic that exists.
     */
    void ensureTopic(Admin admin) throws InterruptedException {
        if (exists(admin)) {
            return;
        }
        NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            admin.createTopics(List.of(newTopic)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the replay ledger topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    boolean exists(Admin admin) throws InterruptedException {
        try {
            return admin.listTopics().names().get().contains(topic);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Dead-letter position to the request id it was replayed as, from every committed entry. */
    Map<String, String> read(Consumer<byte[], byte[]> consumer, Duration timeout) {
        Map<String, String> replayed = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicScan.readToEnd(consumer, topic, timeout)) {
            if (record.key() != null && record.value() != null) {
                replayed.put(new String(record.key(), StandardCharsets.UTF_8),
                        new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        return replayed;
    }

    ProducerRecord<byte[], byte[]> entry(DeadLetter deadLetter, String newRequestId) {
        return new ProducerRecord<>(topic, deadLetter.position().getBytes(StandardCharsets.UTF_8),
                newRequestId.getBytes(StandardCharsets.UTF_8));
    }
}
