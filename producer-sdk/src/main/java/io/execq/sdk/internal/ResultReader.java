package io.execq.sdk.internal;

import io.execq.schema.ExecutionResult;
import io.execq.sdk.ResultsNotAuthorizedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's reader of the results topic: a single thread that owns a consumer assigned to every partition and
 * hands each decoded result to a sink.
 *
 * <p>The reader starts at the end of each partition, and {@link #ready()} completes only once every partition's
 * position is resolved. A result is published after its request was consumed, which is after it was sent; so a
 * request sent after {@code ready()} cannot have its result land before the reader's positions. Sending earlier
 * could: the end offset might be looked up only after the result was written.
 *
 * <p>No group membership: results are correlated by request id, so every client must see every partition, and a
 * group would only add rebalances. Partitions added to the topic after start are not read.
 */
public final class ResultReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultReader.class);
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Consumer<ExecutionResult> sink;
    private final ResultDecoder decoder = new ResultDecoder();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closed;

    public ResultReader(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, String topic,
            Consumer<ExecutionResult> sink) {
        this.consumer = consumer;
        this.topic = topic;
        this.sink = sink;
        this.thread = new Thread(this::run, "execq-result-reader");
        thread.setDaemon(true);
    }

    public ResultReader start() {
        thread.start();
        return this;
    }

    /** Completes once the reader is positioned on every partition; fails if it cannot get there. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Completes when the reader's thread ends: normally after {@link #close()}, exceptionally if it failed. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Result records skipped because they could not be decoded. */
    public long skipped() {
        return decoder.skipped();
    }

    private void run() {
        Throwable failure = null;
        try {
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition partition : partitions) {
                consumer.position(partition);
            }
            ready.complete(null);
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    ExecutionResult result = decoder.decode(record);
                    if (result != null) {
                        sink.accept(result);
                    }
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                failure = e;
            }
        } catch (AuthorizationException e) {
            failure = new ResultsNotAuthorizedException(topic, e);
        } catch (Throwable e) {
            failure = e;
        } finally {
            try {
                consumer.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the result reader's consumer failed", e);
            }
        }
        if (failure != null) {
            LOG.error("The result reader for {} stopped", topic, failure);
            ready.completeExceptionally(failure);
            stopped.completeExceptionally(failure);
        } else {
            ready.completeExceptionally(new IllegalStateException("result reader closed before it was ready"));
            stopped.complete(null);
        }
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("results topic " + topic + " does not exist");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        return partitions;
    }

    /** Stops the thread, waiting for it to finish the record in hand, and closes the consumer. */
    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
