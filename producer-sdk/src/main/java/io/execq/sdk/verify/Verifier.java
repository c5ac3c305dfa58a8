package io.execq.sdk.verify;

import io.execq.sdk.ExecutionClientBuilder;
import io.execq.sdk.internal.KafkaSettings;
import io.execq.sdk.replay.Replayer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks execq's central promise on a live system: every request record has exactly one answer. Reads the requests,
 * results and dead-letter topics from the beginning with {@code isolation.level=read_committed} (what a downstream
 * reader sees) up to the end offsets they have when the read starts, and matches them as {@link Reconciliation}
 * describes: a decodable request by request id to its result, an undecodable record by position to its dead letter,
 * replays as requests of their own.
 *
 * <p>The end offsets of the results and dead-letter topics are taken before those of the requests topic, so every
 * answer read belongs to a request record read: nothing is called unexpected because of the moment of the read.
 * The reverse is not true: requests still running are missing until their results are committed, which is what
 * {@link #verify(Duration)} waits for.
 *
 * <p>Reads with assigned partitions and no consumer group, so it never moves anyone's offsets. Holds no connection
 * between calls. Memory grows with the number of records read (ids and positions only, never values).
 */
public final class Verifier {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);

    private final Map<String, Object> kafkaProperties;
    private final String requestsTopic;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final Duration readTimeout;

    private Verifier(Builder builder) {
        this.kafkaProperties = Map.copyOf(builder.kafkaProperties);
        this.requestsTopic = builder.requestsTopic;
        this.resultsTopic = builder.resultsTopic;
        this.deadLetterTopic = builder.deadLetterTopic;
        this.readTimeout = builder.readTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the three topics once, to the end offsets they have now.
     *
     * @throws IllegalStateException if a topic does not exist or cannot be read within the read timeout
     */
    public VerifyReport verify() throws InterruptedException {
        return verify(Duration.ZERO);
    }

    /**
     * Reads the three topics to their current ends and, while request records are missing an answer and
     * {@code wait} has not passed, reads on to the new ends every half second. Duplicated and unexpected answers
     * cannot go away by waiting; missing ones can (runs still going, an executor still taking over).
     *
     * @param wait how long to keep reading while something is missing; zero reads once
     * @throws IllegalStateException if a topic does not exist or cannot be read within the read timeout
     */
    public VerifyReport verify(Duration wait) throws InterruptedException {
        if (Objects.requireNonNull(wait, "wait").isNegative()) {
            throw new IllegalArgumentException("wait must not be negative, got " + wait);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        Reconciliation reconciliation = new Reconciliation(requestsTopic, resultsTopic, deadLetterTopic);
        TopicRecords records = new TopicRecords();
        KafkaSettings settings = new KafkaSettings(null, kafkaProperties);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.resultReader())) {
            List<TopicPartition> answers = partitions(consumer, resultsTopic);
            answers.addAll(partitions(consumer, deadLetterTopic));
            List<TopicPartition> requests = partitions(consumer, requestsTopic);
            List<TopicPartition> all = new ArrayList<>(answers);
            all.addAll(requests);
            consumer.assign(all);
            consumer.seekToBeginning(all);
            noteRetention(consumer, requests, reconciliation);
            while (true) {
                // Answers first: a result inside its snapshot has its request inside the later requests snapshot.
                Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(answers, readTimeout));
                ends.putAll(consumer.endOffsets(requests, readTimeout));
                readTo(consumer, ends, reconciliation, records);
                VerifyReport report = reconciliation.report();
                if (report.missing().isEmpty() || System.nanoTime() >= deadline) {
                    return report;
                }
                Thread.sleep(RETRY_PAUSE.toMillis());
            }
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, readTimeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        return partitions;
    }

    private void noteRetention(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> requests,
            Reconciliation reconciliation) {
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(requests, readTimeout);
        long truncated = starts.values().stream().filter(offset -> offset > 0).count();
        if (truncated > 0) {
            reconciliation.note(truncated + " partition(s) of " + requestsTopic + " no longer start at offset 0 "
                    + "(retention or deletion): answers to the deleted requests show as unexpected");
        }
    }

    /**
     * Reads every partition up to its end in {@code ends}. A partition that got there is paused for the rest of the
     * pass, and moved back to its end if a fetch overshot it, so the next pass reads the overshoot.
     */
    private void readTo(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends,
            Reconciliation reconciliation, TopicRecords records) {
        consumer.resume(consumer.assignment());
        long deadline = System.nanoTime() + readTimeout.toNanos();
        while (true) {
            List<TopicPartition> behind = new ArrayList<>();
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                long position = consumer.position(end.getKey());
                if (position > end.getValue()) {
                    consumer.seek(end.getKey(), end.getValue());
                }
                if (position >= end.getValue()) {
                    consumer.pause(List.of(end.getKey()));
                } else {
                    behind.add(end.getKey());
                }
            }
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + behind + " to their ends " + ends + " within "
                        + readTimeout);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    continue; // past this pass's snapshot; the partition is moved back to its end above
                }
                if (record.topic().equals(requestsTopic)) {
                    reconciliation.request(records.request(record));
                } else if (record.topic().equals(resultsTopic)) {
                    reconciliation.result(records.result(record));
                } else {
                    reconciliation.deadLetter(records.deadLetter(record));
                }
            }
        }
    }

    /** Configures a {@link Verifier}; every setter checks its value at once. */
    public static final class Builder {
        private final Map<String, Object> kafkaProperties = new LinkedHashMap<>();
        private String requestsTopic = Replayer.DEFAULT_REQUESTS_TOPIC;
        private String resultsTopic = ExecutionClientBuilder.DEFAULT_RESULTS_TOPIC;
        private String deadLetterTopic = Replayer.DEFAULT_DEAD_LETTER_TOPIC;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;

        private Builder() {
        }

        /** {@code host:port} pairs, comma-separated. Required, unless given as the bootstrap.servers property. */
        public Builder bootstrapServers(String bootstrapServers) {
            return kafkaProperty("bootstrap.servers", requireNotBlank(bootstrapServers, "bootstrapServers"));
        }

        /** One Kafka client property (TLS, SASL, ...) of the reader. */
        public Builder kafkaProperty(String key, Object value) {
            kafkaProperties.put(requireNotBlank(key, "kafka property key"),
                    Objects.requireNonNull(value, "kafka property " + key));
            return this;
        }

        public Builder kafkaProperties(Properties properties) {
            Objects.requireNonNull(properties, "properties").forEach((k, v) -> kafkaProperty(k.toString(), v));
            return this;
        }

        /** Default: {@value Replayer#DEFAULT_REQUESTS_TOPIC}. */
        public Builder requestsTopic(String topic) {
            this.requestsTopic = requireNotBlank(topic, "requestsTopic");
            return this;
        }

        /** Default: {@value ExecutionClientBuilder#DEFAULT_RESULTS_TOPIC}. */
        public Builder resultsTopic(String topic) {
            this.resultsTopic = requireNotBlank(topic, "resultsTopic");
            return this;
        }

        /** Default: {@value Replayer#DEFAULT_DEAD_LETTER_TOPIC}. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = requireNotBlank(topic, "deadLetterTopic");
            return this;
        }

        /** How long one read to the ends may take. Default: 60 seconds. */
        public Builder readTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("readTimeout must be positive, got " + timeout);
            }
            this.readTimeout = timeout;
            return this;
        }

        /**
         * @throws IllegalArgumentException if no bootstrap servers were given or two topics are the same
         */
        public Verifier build() {
            if (!kafkaProperties.containsKey("bootstrap.servers")) {
                throw new IllegalArgumentException("bootstrapServers must be set");
            }
            if (requestsTopic.equals(resultsTopic) || requestsTopic.equals(deadLetterTopic)
                    || resultsTopic.equals(deadLetterTopic)) {
                throw new IllegalArgumentException("the requests, results and dead-letter topics must be distinct, got "
                        + requestsTopic + ", " + resultsTopic + ", " + deadLetterTopic);
            }
            return new Verifier(this);
        }

        private static String requireNotBlank(String value, String name) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
