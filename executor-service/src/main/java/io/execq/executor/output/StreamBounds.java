package io.execq.executor.output;

import java.time.Duration;

/**
 * How much of a run's output is streamed, and how: chunks of at most {@code chunkBytes}, a partly filled chunk sent
 * after {@code flushInterval}, at most {@code maxBytes} per run in all and {@code bytesPerSecond} on average (a
 * burst of one second's worth), and at most {@code maxQueuedChunks} chunks waiting for the producer per run. What
 * does not fit is counted in the next chunk's {@code dropped}.
 */
public record StreamBounds(int chunkBytes, Duration flushInterval, long maxBytes, long bytesPerSecond,
                           int maxQueuedChunks) {

    public static final int DEFAULT_CHUNK_BYTES = 16 * 1024;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_MAX_QUEUED_CHUNKS = 64;

    public StreamBounds {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be positive, got " + chunkBytes);
        }
        if (flushInterval == null || flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive, got " + flushInterval);
        }
        if (maxBytes < 0 || bytesPerSecond < 1 || maxQueuedChunks < 1) {
            throw new IllegalArgumentException("need maxBytes >= 0, bytesPerSecond >= 1, maxQueuedChunks >= 1, got "
                    + maxBytes + ", " + bytesPerSecond + ", " + maxQueuedChunks);
        }
    }

    /** The defaults with the operator's total and rate. */
    public static StreamBounds of(long maxBytes, long bytesPerSecond) {
        return new StreamBounds(DEFAULT_CHUNK_BYTES, DEFAULT_FLUSH_INTERVAL, maxBytes, bytesPerSecond,
                DEFAULT_MAX_QUEUED_CHUNKS);
    }
}
