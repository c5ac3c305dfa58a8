package io.execq.sdk.internal;

import io.execq.schema.OutputChunk;
import io.execq.schema.serde.OutputChunkDeserializer;
import io.execq.sdk.OutputListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;

/**
 * Follows one request's output chunks on a thread of its own: reads the one output partition the request id's key
 * maps to (the executors key chunks by request id with Kafka's default partitioner), {@code read_uncommitted}, from
 * its end offset when {@link #start()} positioned it, and delivers the id's chunks to the listener, each
 * {@code (runId, sequence)} at most once and in the order of the partition. {@link #finish()} (the result arrived)
 * reads on up to the partition's end as of then, for at most {@link #FINISH_WAIT}, then stops.
 */
final class OutputFollower implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    static final Duration FINISH_WAIT = Duration.ofSeconds(2);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final String requestId;
    private final byte[] key;
    private final OutputListener listener;
    private final OutputChunkDeserializer decoder = new OutputChunkDeserializer();
    private final Map<String, Long> lastSequence = new HashMap<>();
    private final CompletableFuture<Void> positioned = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;

    OutputFollower(Consumer<byte[], byte[]> consumer, String topic, String requestId, OutputListener listener) {
        this.consumer = consumer;
        this.topic = topic;
        this.requestId = requestId;
        this.key = requestId.getBytes(StandardCharsets.UTF_8);
        this.listener = listener;
        this.thread = new Thread(this::follow, "execq-output-" + requestId);
        this.thread.setDaemon(true);
    }

    /** Starts the thread; completes once the consumer is positioned at the partition's end. */
    CompletableFuture<Void> start() {
        thread.start();
        return positioned;
    }

    /** The result arrived: completes once the chunks published before now were delivered (or after a bound). */
    CompletableFuture<Void> finish() {
        finishing.set(true);
        return finished;
    }

    private void follow() {
        try {
            TopicPartition tp = position();
            long stopAt = Long.MAX_VALUE;
            long giveUpAt = Long.MAX_VALUE;
            while (!closed.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    deliver(record);
                }
                if (finishing.get() && stopAt == Long.MAX_VALUE) {
                    stopAt = consumer.endOffsets(List.of(tp), METADATA_TIMEOUT).get(tp);
                    giveUpAt = System.nanoTime() + FINISH_WAIT.toNanos();
                }
                if (consumer.position(tp) >= stopAt || System.nanoTime() >= giveUpAt) {
                    break;
                }
            }
            finished.complete(null);
        } catch (WakeupException e) {
            finished.complete(null);
        } catch (RuntimeException e) {
            positioned.completeExceptionally(e);
            finished.complete(null); // streaming is best effort: the result is still delivered
        } finally {
            positioned.completeExceptionally(new IllegalStateException("output follower stopped"));
            try {
                consumer.close(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                // Nothing left to release.
            }
        }
    }

    private TopicPartition position() {
        int partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT).size();
        if (partitions == 0) {
            throw new IllegalStateException("output topic " + topic + " does not exist");
        }
        TopicPartition tp = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
        consumer.assign(List.of(tp));
        consumer.seek(tp, consumer.endOffsets(List.of(tp), METADATA_TIMEOUT).get(tp));
        consumer.position(tp, METADATA_TIMEOUT);
        positioned.complete(null);
        return tp;
    }

    private void deliver(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || !Arrays.equals(record.key(), key)) {
            return;
        }
        OutputChunk chunk;
        try {
            chunk = decoder.deserialize(record.topic(), record.value());
        } catch (SerializationException | IllegalArgumentException e) {
            return;
        }
        if (chunk == null || !requestId.equals(chunk.getRequestId())) {
            return;
        }
        Long last = lastSequence.get(chunk.getRunId());
        if (last != null && chunk.getSequence() <= last) {
            return; // a duplicate
        }
        lastSequence.put(chunk.getRunId(), chunk.getSequence());
        try {
            listener.onChunk(chunk);
        } catch (RuntimeException e) {
            // The listener's failure is its own; the next chunk is still delivered.
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && thread.isAlive()) {
            consumer.wakeup();
        }
    }
}
