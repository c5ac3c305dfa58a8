package io.execq.executor.output;

import io.execq.schema.OutputChunk;
import io.execq.schema.serde.OutputChunkSerializer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the streamed output of every run of this executor to the output topic, keyed by request id, through a
 * plain idempotent producer of its own (not the transactional result producer: chunks are progress, not results, and
 * must neither wait for nor hold up a transaction). One thread ({@code execq-output}) takes the chunks each
 * {@link RunOutput} sealed and hands them to the producer; the run and the consumer loop never call the producer, so
 * a slow or absent broker cannot slow them: the runs' bounded queues fill, and what does not fit is dropped and
 * counted ({@code dropped}). A chunk the producer fails to deliver is lost (counted in {@link #failedChunks()}).
 *
 * <p>Closing a run's stream waits at most {@link #CLOSE_WAIT} for this thread to hand its last chunks to the
 * producer, so that they usually reach the topic before the run's result does.
 */
public final class OutputPublisher implements OutputStreams, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputPublisher.class);
    static final Duration TICK = Duration.ofMillis(50);
    static final Duration CLOSE_WAIT = Duration.ofMillis(250);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final StreamBounds bounds;
    private final Clock clock;
    private final OutputChunkSerializer serializer = new OutputChunkSerializer();
    private final Set<RunOutput> runs = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Object> wakeups = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong droppedBytes = new AtomicLong();
    private final Thread thread;

    public OutputPublisher(Producer<String, byte[]> producer, String topic, StreamBounds bounds, Clock clock) {
        this.producer = producer;
        this.topic = topic;
        this.bounds = bounds;
        this.clock = clock;
        this.thread = new Thread(this::loop, "execq-output");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public Tap open(String requestId, int attempt) {
        RunOutput run = new RunOutput(requestId, attempt, UUID.randomUUID().toString(), bounds, clock,
                this::awaitHandedOff);
        if (closed.get()) {
            return Tap.NONE;
        }
        runs.add(run);
        return run;
    }

    /**
     * Exports {@code execq_output_chunks_total{outcome=sent|failed}} and {@code execq_output_dropped_bytes_total}
     * (bytes left out by the streaming bounds, as reported in the chunks' {@code dropped}).
     */
    public OutputPublisher bindTo(MeterRegistry registry) {
        FunctionCounter.builder("execq.output.chunks", sent, AtomicLong::get).tag("outcome", "sent")
                .description("Streamed output chunks published (sent) or lost (failed)").register(registry);
        FunctionCounter.builder("execq.output.chunks", failed, AtomicLong::get).tag("outcome", "failed")
                .description("Streamed output chunks published (sent) or lost (failed)").register(registry);
        FunctionCounter.builder("execq.output.dropped.bytes", droppedBytes, AtomicLong::get)
                .description("Bytes of streamed output left out by --max-stream-bytes, --max-stream-rate or a full "
                        + "queue").register(registry);
        return this;
    }

    /** Chunks handed to the producer and acknowledged by the broker. */
    public long sentChunks() {
        return sent.get();
    }

    /** Chunks the producer could not deliver (lost). */
    public long failedChunks() {
        return failed.get();
    }

    private void awaitHandedOff(RunOutput run) {
        wakeups.offer(Boolean.TRUE);
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (runs.contains(run) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void loop() {
        try {
            while (!closed.get()) {
                wakeups.poll(TICK.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.clear();
                publishReady();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Output publisher stopped; streamed output is no longer published", e);
        }
    }

    private void publishReady() {
        for (RunOutput run : runs) {
            List<OutputChunk> chunks = run.drain(clock.instant());
            chunks.forEach(this::send);
            if (run.done()) {
                runs.remove(run);
            }
        }
    }

    private void send(OutputChunk chunk) {
        droppedBytes.addAndGet(chunk.getDropped());
        try {
            producer.send(new ProducerRecord<>(topic, chunk.getRequestId(), serializer.serialize(topic, chunk)),
                    (metadata, error) -> {
                        if (error == null) {
                            sent.incrementAndGet();
                        } else if (failed.incrementAndGet() == 1 || LOG.isDebugEnabled()) {
                            LOG.warn("Output chunk of request {} not delivered to {} (best effort): {}",
                                    chunk.getRequestId(), topic, error.toString());
                        }
                    });
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            LOG.warn("Output chunk of request {} not sent to {} (best effort): {}", chunk.getRequestId(), topic,
                    e.toString());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        wakeups.offer(Boolean.TRUE);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runs.forEach(RunOutput::finish);
        publishReady();
        producer.close(Duration.ofSeconds(5));
    }
}
