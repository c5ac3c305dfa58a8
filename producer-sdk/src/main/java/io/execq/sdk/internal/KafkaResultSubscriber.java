package io.execq.sdk.internal;

import io.execq.schema.ExecutionResult;
import io.execq.sdk.ResultHandler;
import io.execq.sdk.ResultSubscriber;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka {@link ResultSubscriber}: the {@code KafkaConsumerRunner} shape from the {@code KafkaConsumer} Javadoc.
 * A {@code closed} flag, {@code poll}, handle the batch, commit what was handled, {@code wakeup()} on close.
 */
public final class KafkaResultSubscriber implements ResultSubscriber {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaResultSubscriber.class);
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final ResultHandler handler;
    private final ResultDecoder decoder = new ResultDecoder();
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closed;

    public KafkaResultSubscriber(Consumer<byte[], byte[]> consumer, String topic, ResultHandler handler) {
        this.consumer = consumer;
        this.topic = topic;
        this.handler = handler;
        this.thread = new Thread(this::run, "execq-result-subscriber");
    }

    public static KafkaResultSubscriber start(Map<String, Object> consumerProperties, String topic,
            ResultHandler handler) {
        Consumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(consumerProperties);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("Cannot create the Kafka consumer: " + e.getMessage(), e);
        }
        return new KafkaResultSubscriber(consumer, topic, handler).start();
    }

    public KafkaResultSubscriber start() {
        thread.start();
        return this;
    }

    private void run() {
        Throwable failure = null;
        try {
            consumer.subscribe(List.of(topic));
            while (!closed && failure == null) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL_TIMEOUT);
                } catch (WakeupException e) {
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
                failure = handle(records, handled);
                commit(handled);
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            try {
                consumer.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the result subscriber's consumer failed", e);
            }
        }
        if (failure == null) {
            termination.complete(null);
        } else {
            LOG.error("The result subscriber for {} stopped", topic, failure);
            termination.completeExceptionally(failure);
        }
    }

    /** Handles records until one fails or the subscriber closes; returns the handler's exception, if any. */
    private Throwable handle(ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, OffsetAndMetadata> handled) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (closed) {
                return null;
            }
            ExecutionResult result = decoder.decode(record);
            if (result != null) {
                try {
                    handler.handle(result);
                } catch (Exception e) {
                    return e;
                }
            }
            handled.put(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1));
        }
        return null;
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            try {
                consumer.commitSync(offsets);
            } catch (WakeupException e) {
                // close() woke us while the handler ran; the wakeup is spent, so this commit goes through.
                consumer.commitSync(offsets);
            }
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved to another member while we handled them; it will receive these results again.
            LOG.warn("Could not commit {} handled results, they will be delivered again: {}", offsets.size(),
                    e.getMessage());
        }
    }

    @Override
    public CompletableFuture<Void> termination() {
        return termination;
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        try {
            termination.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    @Override
    public long skippedRecords() {
        return decoder.skipped();
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
