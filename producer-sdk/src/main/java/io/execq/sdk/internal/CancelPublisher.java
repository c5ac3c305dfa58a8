package io.execq.sdk.internal;

import io.execq.schema.CancelRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.serde.CancelRequestSerializer;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.sdk.CancelOutcome;
import io.execq.sdk.SubmitException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.utils.Utils;

/**
 * Publishes {@link CancelRequest}s to the control topic (idempotent producer, {@code acks=all}) and, when asked to
 * wait, looks for the request's result: it reads the one results partition the id's key maps to (the executors key
 * results by request id with Kafka's default partitioner), {@code read_committed}, from its earliest retained
 * record, and then follows it until the wait ends. The producer is created on the first cancellation.
 */
public final class CancelPublisher implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaSettings settings;
    private final String controlTopic;
    private final String resultsTopic;
    private final Clock clock = Clock.systemUTC();
    private Producer<byte[], byte[]> producer;

    public CancelPublisher(KafkaSettings settings, String controlTopic, String resultsTopic) {
        this.settings = settings;
        this.controlTopic = controlTopic;
        this.resultsTopic = resultsTopic;
    }

    /** Publishes the cancellation, then looks for the result for up to {@code wait} on a thread of its own. */
    public CompletableFuture<CancelOutcome> cancel(String requestId, Duration wait) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            byte[] value = new CancelRequestSerializer().serialize(controlTopic, CancelRequest.newBuilder()
                    .setRequestId(requestId).setRequestedAt(clock.instant())
                    .setRequestedBy(System.getProperty("user.name")).build());
            producer().send(new ProducerRecord<>(controlTopic, requestId.getBytes(StandardCharsets.UTF_8), value),
                    (metadata, error) -> {
                        if (error != null) {
                            sent.completeExceptionally(new SubmitException(requestId, controlTopic, error));
                        } else {
                            sent.complete(null);
                        }
                    });
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
        if (wait.isZero()) {
            return sent.thenApply(ignored -> noResult(requestId));
        }
        return sent.thenApplyAsync(ignored -> lookUp(requestId, wait), runnable -> {
            Thread thread = new Thread(runnable, "execq-cancel-" + requestId);
            thread.setDaemon(true);
            thread.start();
        });
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(settings.producer());
        }
        return producer;
    }

    /** The id's result: the last one committed by the time the partition's end is reached, else the first after. */
    private CancelOutcome lookUp(String requestId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] key = requestId.getBytes(StandardCharsets.UTF_8);
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.resultReader())) {
            int partitions = consumer.partitionsFor(resultsTopic, wait).size();
            if (partitions == 0) {
                throw new CompletionException(new IllegalStateException("results topic " + resultsTopic
                        + " does not exist"));
            }
            TopicPartition tp = new TopicPartition(resultsTopic, Utils.toPositive(Utils.murmur2(key)) % partitions);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), wait).get(tp);
            ExecutionResult found = null;
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.key() != null && Arrays.equals(record.key(), key)) {
                        ExecutionResult result = decode(decoder, record);
                        if (result != null && requestId.equals(result.getRequestId())) {
                            found = result;
                        }
                    }
                }
                if (found != null && consumer.position(tp) >= end) {
                    break;
                }
            }
            if (found == null) {
                return noResult(requestId);
            }
            return new CancelOutcome(requestId, found.getStatus() == ExecutionStatus.CANCELLED
                    ? CancelOutcome.Status.CANCELLED : CancelOutcome.Status.ALREADY_FINISHED, Optional.of(found));
        }
    }

    private static ExecutionResult decode(ExecutionResultDeserializer decoder, ConsumerRecord<byte[], byte[]> record) {
        try {
            return decoder.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            return null;
        }
    }

    private static CancelOutcome noResult(String requestId) {
        return new CancelOutcome(requestId, CancelOutcome.Status.NO_RESULT, Optional.empty());
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
