package io.execq.executor.control;

import io.execq.schema.CancelRequest;
import io.execq.schema.serde.CancelRequestDeserializer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the whole control topic on its own thread and feeds every {@link CancelRequest} to the
 * {@link Cancellations}. Not a group member: every executor must see every cancellation (the request may be on any
 * of them, or not fetched yet), so it assigns itself all partitions and commits nothing.
 *
 * <p>Catch-up: on start it seeks each partition to the first record published within the cancellations' window
 * ({@code offsetsForTimes(now - window)}), so a restarted executor knows every cancellation a running one still
 * holds; older ones have expired everywhere. Partitions added to the topic later are not read until the executor
 * restarts.
 */
public final class ControlReader implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Cancellations cancellations;
    private final Clock clock;
    private final CancelRequestDeserializer decoder = new CancelRequestDeserializer();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;

    public ControlReader(Consumer<String, byte[]> consumer, String topic, Cancellations cancellations, Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.cancellations = cancellations;
        this.clock = clock;
        this.thread = new Thread(this, "execq-control-reader");
        this.thread.setDaemon(true);
    }

    /** Starts the thread and waits up to {@code max} for it to read what the window holds (logged otherwise). */
    public void start(Duration max) {
        thread.start();
        try {
            if (!caughtUp.await(max.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Control topic {} not read up to its end within {}; cancellations of requests that start "
                        + "meanwhile kill them once read", topic, max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = seekToWindow(partitions);
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    apply(record);
                }
                if (caughtUp.getCount() > 0 && ends.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                    LOG.info("Control topic {} read: {} cancellation(s) within the last {}", topic,
                            cancellations.size(), cancellations.window());
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                LOG.error("Control reader woken unexpectedly; cancellations are no longer read", e);
            }
        } catch (RuntimeException e) {
            LOG.error("Control reader stopped; cancellations are no longer read", e);
        } finally {
            caughtUp.countDown();
            try {
                consumer.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the control consumer failed", e);
            }
            stopped.countDown();
        }
    }

    /** Seeks to the window's start; returns each partition's end offset as of now. */
    private Map<TopicPartition, Long> seekToWindow(List<TopicPartition> partitions) {
        long since = clock.instant().minus(cancellations.window()).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, METADATA_TIMEOUT);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            consumer.seek(tp, at == null ? ends.get(tp) : at.offset());
        }
        return ends;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        CancelRequest cancel;
        try {
            cancel = decoder.deserialize(record.topic(), record.value());
        } catch (SerializationException | IllegalArgumentException e) {
            LOG.warn("Skipping undecodable control record {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        if (cancel == null || cancel.getRequestId() == null) {
            return;
        }
        LOG.info("Cancellation of request {} (by {})", cancel.getRequestId(), cancel.getRequestedBy());
        cancellations.cancel(cancel.getRequestId(), Instant.ofEpochMilli(record.timestamp()));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            consumer.wakeup();
        }
        try {
            if (thread.isAlive() || thread.getState() != Thread.State.NEW) {
                stopped.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
