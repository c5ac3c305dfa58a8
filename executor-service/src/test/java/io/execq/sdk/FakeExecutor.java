package io.execq.sdk;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionResultSerializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Stands in for the executor pipeline, which does not exist yet: reads {@code execq.requests} from the end and
 * answers each request with a SUCCEEDED result whose stdout is the request's argv joined by spaces, publishing each
 * poll's answers in one Kafka transaction, as the real executor will. Requests labelled {@code fake=ignore} get no
 * answer.
 */
final class FakeExecutor implements AutoCloseable {

    static final String IGNORE_LABEL = "fake";

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, ExecutionResult> producer;
    private final ExecutionRequestDeserializer requests = new ExecutionRequestDeserializer();
    private final Set<String> received = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;

    FakeExecutor(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20));
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fake-executor-" + UUID.randomUUID(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ExecutionResultSerializer.class));
        producer.initTransactions();
        List<TopicPartition> partitions = consumer.partitionsFor(ExecutionClientBuilder.DEFAULT_REQUESTS_TOPIC).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition()))
                .collect(Collectors.toList());
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        thread = new Thread(this::run, "fake-executor");
        thread.start();
    }

    static ExecutionResult answer(ExecutionRequest request) {
        return ExecutionResults.succeeded(request, String.join(" ", request.getCommand()));
    }

    private void run() {
        try {
            while (!closed) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofSeconds(1));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                for (ConsumerRecord<String, byte[]> record : records) {
                    ExecutionRequest request = requests.deserialize(record.topic(), record.value());
                    received.add(request.getRequestId());
                    if (!"ignore".equals(request.getLabels().get(IGNORE_LABEL))) {
                        producer.send(new ProducerRecord<>(ExecutionClientBuilder.DEFAULT_RESULTS_TOPIC,
                                request.getRequestId(), answer(request)));
                    }
                }
                producer.commitTransaction();
            }
        } catch (WakeupException e) {
            // closing
        }
    }

    /** Ids of every request this executor has read. */
    Set<String> received() {
        return received;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join();
        consumer.close();
        producer.close();
    }
}
