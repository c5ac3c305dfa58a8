package io.execq.bench;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.KafkaClients;
import io.execq.executor.pipeline.ResultFactory;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionResultSerializer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The executor's Kafka work without the executor: a consumer with the executor's request-consumer settings reads
 * each request, and a producer with its transactional settings publishes a result for it (built by the executor's
 * {@link ResultFactory}, status {@code REJECTED}, so the SDK sees a real result record) and commits the consumer
 * offsets in the same transaction, once per polled batch. Nothing is validated, scheduled or run.
 */
final class KafkaFloorRelay implements AutoCloseable {

    static final String REASON = "execq bench Kafka floor: not executed";

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final String requestsTopic;
    private final String resultsTopic;
    private final ResultFactory results;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;

    KafkaFloorRelay(ExecutorConfig config, String requestsTopic, String resultsTopic) {
        this.consumer = new KafkaConsumer<>(KafkaClients.requestConsumer(config, config.bootstrapServers()));
        this.producer = new KafkaProducer<>(KafkaClients.transactionalProducer(config, config.bootstrapServers()));
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.results = new ResultFactory(config.executorId(), Clock.systemUTC());
        this.thread = new Thread(this::loop, "execq-bench-floor-relay");
        thread.setDaemon(true);
        producer.initTransactions();
        consumer.subscribe(List.of(requestsTopic));
        thread.start();
    }

    /** Why the relay stopped on its own; null while it runs. */
    Throwable failure() {
        return failure;
    }

    private void loop() {
        ExecutionRequestDeserializer requests = new ExecutionRequestDeserializer();
        ExecutionResultSerializer serializer = new ExecutionResultSerializer();
        try {
            while (!closed) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, byte[]> record : batch) {
                    ExecutionRequest request = requests.deserialize(requestsTopic, record.value());
                    producer.send(new ProducerRecord<>(resultsTopic, record.key(),
                            serializer.serialize(resultsTopic, results.rejected(request, REASON))));
                    offsets.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(30).toMillis());
        consumer.close();
        producer.close();
    }
}
