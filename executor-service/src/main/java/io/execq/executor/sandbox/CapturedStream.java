package io.execq.executor.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One output stream of a run: the first bytes the program wrote (at most the cap), how many it wrote in total,
 * and whether anything was dropped.
 *
 * @param kept the bytes kept, at most the spec's {@code maxOutputBytes}
 * @param totalBytes every byte the program wrote to the stream, including dropped ones
 * @param truncated {@code totalBytes > kept.length}
 */
public record CapturedStream(byte[] kept, long totalBytes, boolean truncated) {

    public static final CapturedStream EMPTY = new CapturedStream(new byte[0], 0, false);

    public CapturedStream {
        kept = kept.clone();
        if (totalBytes < kept.length) {
            throw new IllegalArgumentException("totalBytes " + totalBytes + " < kept " + kept.length);
        }
        if (truncated != (totalBytes > kept.length)) {
            throw new IllegalArgumentException("truncated must be totalBytes > kept");
        }
    }

    @Override
    public byte[] kept() {
        return kept.clone();
    }

    /** The kept bytes decoded as UTF-8 (malformed input replaced): for logs and tests. */
    public String text() {
        return new String(kept, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CapturedStream c && Arrays.equals(c.kept, kept) && c.totalBytes == totalBytes;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kept) * 31 + Long.hashCode(totalBytes);
    }

    @Override
    public String toString() {
        return "CapturedStream[" + kept.length + "/" + totalBytes + " bytes" + (truncated ? ", truncated" : "") + "]";
    }
}
