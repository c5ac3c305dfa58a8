package io.execq.executor.output;

import io.execq.executor.sandbox.OutputListener;
import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The chunker of one run's streamed output. The sandbox's pump threads {@linkplain #output feed} it; the publisher
 * thread {@linkplain #drain(Instant) drains} the chunks it sealed. Never blocks and holds at most
 * {@code maxQueuedChunks + 1} chunks: bytes over the run's total or rate bound, and chunks the publisher has not
 * taken when the queue is full, are dropped and counted in that stream's next chunk ({@code dropped}). A chunk holds
 * one stream's bytes, in the order they were read; sequence numbers are 0, 1, 2, ... in the order chunks are queued,
 * so a dropped chunk leaves no gap (its bytes count as dropped instead). Thread-safe.
 */
public final class RunOutput implements OutputStreams.Tap {

    /** How often a stream whose bytes are all being dropped reports its drop count. */
    static final Duration DROP_REPORT_INTERVAL = Duration.ofSeconds(1);

    private final String requestId;
    private final int attempt;
    private final String runId;
    private final StreamBounds bounds;
    private final Clock clock;
    private final java.util.function.Consumer<RunOutput> onClose;
    private final ArrayDeque<OutputChunk> queue = new ArrayDeque<>();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final long[] dropped = new long[OutputListener.Stream.values().length];
    private Stream pendingStream;
    private Instant pendingSince;
    private long pendingDropped;
    private Instant lastDropReport;
    private long accepted;
    private double tokens;
    private Instant refilledAt;
    private long nextSequence;
    private boolean finished;

    RunOutput(String requestId, int attempt, String runId, StreamBounds bounds, Clock clock,
              java.util.function.Consumer<RunOutput> onClose) {
        this.requestId = requestId;
        this.attempt = attempt;
        this.runId = runId;
        this.bounds = bounds;
        this.clock = clock;
        this.onClose = onClose;
        this.tokens = burst();
        this.refilledAt = clock.instant();
        this.lastDropReport = refilledAt;
    }

    public String runId() {
        return runId;
    }

    @Override
    public synchronized void output(Stream stream, byte[] data, int offset, int length) {
        if (finished || length <= 0) {
            return;
        }
        Instant now = clock.instant();
        refill(now);
        // No slivers: under a flood the rate admits a whole read or at least a full chunk's worth, so the number of
        // chunks stays near bytesPerSecond / chunkBytes.
        long byRate = tokens < Math.min(length, bounds.chunkBytes()) ? 0 : Math.min(length, (long) tokens);
        long allowed = Math.max(0, Math.min(byRate, bounds.maxBytes() - accepted));
        int s = stream.ordinal();
        if (allowed > 0) {
            tokens -= allowed;
            accepted += allowed;
            if (pending.size() > 0 && (pendingStream != stream || dropped[s] > 0)) {
                seal(now); // a chunk never spans a gap: the bytes after one start a new chunk that counts it
            }
            append(stream, data, offset, (int) allowed, now);
        }
        dropped[s] += length - allowed;
    }

    private void append(Stream stream, byte[] data, int offset, int length, Instant now) {
        int at = offset;
        int left = length;
        while (left > 0) {
            if (pending.size() == 0) {
                pendingStream = stream;
                pendingSince = now;
                pendingDropped = dropped[stream.ordinal()];
                dropped[stream.ordinal()] = 0;
            }
            int take = Math.min(left, bounds.chunkBytes() - pending.size());
            pending.write(data, at, take);
            at += take;
            left -= take;
            if (pending.size() >= bounds.chunkBytes()) {
                seal(now);
            }
        }
    }

    /**
     * The chunks ready to send, oldest first: those sealed since the last call, plus a partly filled one that waited
     * for the flush interval, plus drop reports of streams whose bytes are all being dropped (at most once per
     * {@link #DROP_REPORT_INTERVAL}).
     */
    public synchronized List<OutputChunk> drain(Instant now) {
        if (pending.size() > 0 && !now.isBefore(pendingSince.plus(bounds.flushInterval()))) {
            seal(now);
        }
        if (!now.isBefore(lastDropReport.plus(DROP_REPORT_INTERVAL))) {
            reportDrops(now);
        }
        List<OutputChunk> ready = new ArrayList<>(queue);
        queue.clear();
        return ready;
    }

    /** Seals what is pending and reports what was dropped; later output is ignored. */
    public synchronized void finish() {
        if (finished) {
            return;
        }
        Instant now = clock.instant();
        if (pending.size() > 0) {
            seal(now);
        }
        finished = true;
        reportDrops(now);
    }

    /** Finished, and every chunk taken by the publisher. */
    public synchronized boolean done() {
        return finished && queue.isEmpty();
    }

    /** Bytes accepted into chunks so far (at most {@code maxBytes}). */
    public synchronized long acceptedBytes() {
        return accepted;
    }

    /** Finishes the stream and lets the publisher send the rest (see {@link OutputPublisher}). */
    @Override
    public void close() {
        finish();
        onClose.accept(this);
    }

    private void seal(Instant now) {
        Stream stream = pendingStream;
        byte[] data = pending.toByteArray();
        pending.reset();
        enqueue(stream, data, pendingDropped, now, finished);
        pendingDropped = 0;
    }

    /** Drop reports bypass the queue bound at the end (at most one per stream), so the final count is never lost. */
    private void reportDrops(Instant now) {
        lastDropReport = now;
        for (Stream stream : Stream.values()) {
            int s = stream.ordinal();
            if (dropped[s] > 0 && !(pendingStream == stream && pending.size() > 0)) {
                long count = dropped[s];
                dropped[s] = 0;
                enqueue(stream, new byte[0], count, now, finished);
            }
        }
    }

    private void enqueue(Stream stream, byte[] data, long droppedBefore, Instant now, boolean force) {
        if (!force && queue.size() >= bounds.maxQueuedChunks()) {
            // The publisher is behind: the chunk's bytes (and the drops it reported) count as dropped.
            dropped[stream.ordinal()] += droppedBefore + data.length;
            return;
        }
        queue.add(OutputChunk.newBuilder().setRequestId(requestId).setAttempt(attempt).setRunId(runId)
                .setSequence(nextSequence++)
                .setStream(stream == Stream.STDERR ? OutputStream.STDERR : OutputStream.STDOUT)
                .setData(ByteBuffer.wrap(data)).setAt(now).setDropped(droppedBefore).build());
    }

    private void refill(Instant now) {
        long nanos = Duration.between(refilledAt, now).toNanos();
        if (nanos > 0) {
            tokens = Math.min(burst(), tokens + nanos * (bounds.bytesPerSecond() / 1e9));
            refilledAt = now;
        }
    }

    private double burst() {
        return Math.max(bounds.bytesPerSecond(), bounds.chunkBytes());
    }
}
