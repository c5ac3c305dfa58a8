package io.execq.executor.pipeline;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import io.execq.schema.serde.ExecutionRequestSerializer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Builds and publishes requests the way a producer would, for pipeline tests. */
final class Requests implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final ExecutionRequestSerializer serializer = new ExecutionRequestSerializer();

    Requests(String bootstrap, String topic) {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20),
                new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    static ExecutionRequest.Builder command(Isolation isolation, String... argv) {
        return ExecutionRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
                .setSubmittedAt(Instant.now()).setCommand(List.of(argv)).setIsolation(isolation);
    }

    static Limits timeoutMillis(long millis) {
        return new Limits(millis, null, null, null, null);
    }

    void send(ExecutionRequest request) {
        producer.send(new ProducerRecord<>(topic, request.getRequestId(), serializer.serialize(topic, request)));
    }

    void send(ExecutionRequest request, int partition) {
        producer.send(new ProducerRecord<>(topic, partition, request.getRequestId(),
                serializer.serialize(topic, request)));
        producer.flush();
    }

    void sendRaw(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends {@code value} (null: a tombstone) as it is and returns its offset once the broker has it. */
    long sendRaw(int partition, String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, partition, key, value)).get().offset();
    }

    @Override
    public void close() {
        producer.flush();
        producer.close();
    }
}
