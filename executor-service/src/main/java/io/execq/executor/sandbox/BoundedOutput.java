package io.execq.executor.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/**
 * A sink for one output stream that counts every byte but keeps at most {@code cap} of them, so a flood of
 * output costs the JVM at most {@code cap} bytes of heap. Thread-safe: the pump thread writes while the run
 * thread snapshots.
 */
public final class BoundedOutput extends OutputStream {

    private final int cap;
    private final ByteArrayOutputStream kept;
    private long total;

    public BoundedOutput(long cap) {
        if (cap < 0 || cap > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cap must be in [0, " + (Integer.MAX_VALUE - 8) + "], got " + cap);
        }
        this.cap = (int) cap;
        this.kept = new ByteArrayOutputStream((int) Math.min(cap, 8192));
    }

    @Override
    public synchronized void write(int b) {
        if (kept.size() < cap) {
            kept.write(b);
        }
        total++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int room = cap - kept.size();
        if (room > 0) {
            kept.write(b, off, Math.min(room, len));
        }
        total += len;
    }

    /** Every byte written so far, kept or not. */
    public synchronized long totalBytes() {
        return total;
    }

    /** The current state as an immutable value. */
    public synchronized CapturedStream snapshot() {
        return new CapturedStream(kept.toByteArray(), total, total > kept.size());
    }
}
