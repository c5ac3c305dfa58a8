package io.execq.executor.pipeline.offsets;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The offset map carried in a committed offset's metadata: which records above the committed offset are already
 * completed (their results are committed), so that a partition's next owner skips them instead of running them a
 * second time. The idea is the Confluent Parallel Consumer's ({@code OffsetMapCodecManager}); the encoding is ours.
 *
 * <p>Format: {@code "xq1:"} followed by unpadded URL-safe Base64 of a sequence of varint pairs, one pair per run of
 * consecutive completed offsets: (gap from the end of the previous run — or from the committed offset for the first
 * run —, run length); the committed offset itself is never completed (it is the lowest incomplete record). An empty set is the empty string. Metadata without the prefix (written by some other tool) means
 * "nothing completed above the offset".
 *
 * <p>The broker refuses a commit whose metadata is longer than {@code offset.metadata.max.bytes} (4096 by default) and
 * the whole transaction with it, so the scheduler never lets a partition's map grow past {@link #MAX_METADATA_CHARS}:
 * see {@link PartitionOffsets#mayAdmit}.
 */
public final class OffsetMapCodec {

    /** The broker's default {@code offset.metadata.max.bytes}. */
    public static final int MAX_METADATA_CHARS = 4096;
    static final String PREFIX = "xq1:";
    /** Raw bytes that fit {@link #MAX_METADATA_CHARS} once prefixed and Base64-encoded (4 chars per 3 bytes). */
    static final int MAX_RAW_BYTES = (MAX_METADATA_CHARS - PREFIX.length()) / 4 * 3;

    private OffsetMapCodec() {
    }

    /** Encodes the completed offsets above {@code base}; offsets at or below it are implied and left out. */
    public static String encode(long base, OffsetRanges completed) {
        byte[] raw = raw(base, completed);
        return raw.length == 0 ? "" : PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /**
     * The completed offsets a committed {@code metadata} names above {@code base}; empty for empty or foreign
     * metadata.
     *
     * @throws IllegalArgumentException the metadata has our prefix but is corrupt
     */
    public static OffsetRanges decode(long base, String metadata) {
        OffsetRanges completed = new OffsetRanges();
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return completed;
        }
        byte[] raw = Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())
                .getBytes(StandardCharsets.US_ASCII));
        int[] position = {0};
        long end = base + 1; // the first offset not yet accounted for; the base itself is never completed
        while (position[0] < raw.length) {
            long gap = readVarLong(raw, position);
            long length = readVarLong(raw, position);
            if (gap < 0 || length < 1 || end + gap + length < end) {
                throw new IllegalArgumentException("corrupt offset map: run with gap " + gap + ", length " + length);
            }
            long start = end + gap;
            completed.addRun(start, start + length - 1);
            end = start + length;
        }
        return completed;
    }

    /** Encoded size in raw bytes (before the prefix and Base64) of the completed offsets above {@code base}. */
    static int rawSize(long base, OffsetRanges completed) {
        return raw(base, completed).length;
    }

    /** The most raw bytes one more completed offset can add to a map (one new run: two varints). */
    static int worstCaseGrowth(long base, long offset) {
        return 2 * varLongSize(Math.max(1, offset - base));
    }

    private static byte[] raw(long base, OffsetRanges completed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long end = base + 1; // the first offset not yet accounted for; the base itself is never completed
        for (OffsetRanges.Run run : completed.runsAbove(base)) {
            writeVarLong(out, run.first() - end);
            writeVarLong(out, run.last() - run.first() + 1);
            end = run.last() + 1;
        }
        return out.toByteArray();
    }

    static int varLongSize(long value) {
        int size = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }

    private static void writeVarLong(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarLong(byte[] raw, int[] position) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position[0] >= raw.length) {
                throw new IllegalArgumentException("corrupt offset map: truncated varint");
            }
            byte b = raw[position[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("corrupt offset map: varint too long");
    }
}
