package io.execq.executor.pipeline.offsets;

import java.util.Collection;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The commit rule of one partition whose records complete in any order.
 *
 * <p>The committed offset is the partition's <em>low-water mark</em>: the lowest record fetched and not yet completed
 * (or, when every fetched record is completed, the one after the highest). Records completed above it travel in the
 * commit's metadata as an {@link OffsetMapCodec offset map}, in the same transaction as their results. A new owner
 * reads both and {@linkplain #accept skips} the records the map names, so a completed request is neither run again
 * nor given a second visible result.
 *
 * <pre>
 *   offsets:   40  41  42  43  44  45  46
 *   state:     run ok  run ok  ok  new new        ok = completed (result committed or in this transaction)
 *   commit:    offset 40, metadata {41, 43, 44}   -> a new owner re-reads from 40 and runs only 40, 42, 45, 46
 * </pre>
 *
 * <p>State kept: what the last successful commit said (to rewind to after an aborted transaction), the records
 * fetched and not completed, and the completed ones above the low-water mark. Not thread-safe: the consumer loop's
 * thread owns it.
 */
public final class PartitionOffsets {

    /** Next offset of the last successful commit, or -1 while nothing was committed by anyone. */
    private long committedOffset;
    private OffsetRanges committedCompleted;
    /** Where re-reading starts when nothing was committed: the first record this owner fetched. */
    private long firstFetched = -1;
    private final TreeSet<Long> open = new TreeSet<>();
    private OffsetRanges completed;
    private long highestSeen;

    private PartitionOffsets(long committedOffset, OffsetRanges committedCompleted) {
        this.committedOffset = committedOffset;
        this.committedCompleted = committedCompleted;
        this.completed = committedCompleted.copy();
        this.highestSeen = Math.max(committedOffset - 1, completed.highest());
    }

    /**
     * The state a partition's committed offset describes.
     *
     * @param committed the group's committed offset and metadata, or null when it has none
     * @throws IllegalArgumentException the metadata is an execq offset map but corrupt
     */
    public static PartitionOffsets fromCommitted(OffsetAndMetadata committed) {
        if (committed == null) {
            return new PartitionOffsets(-1, new OffsetRanges());
        }
        return new PartitionOffsets(committed.offset(),
                OffsetMapCodec.decode(committed.offset(), committed.metadata()));
    }

    /** Nothing committed is known (for a corrupt map: its completed records may run again). */
    public static PartitionOffsets fromCommittedOffsetOnly(long offset) {
        return new PartitionOffsets(offset, new OffsetRanges());
    }

    /**
     * A fetched record. False when it is already completed (a previous owner committed its result): skip it. A record
     * seen twice (fetched again after a seek) is simply open again.
     */
    public boolean accept(long offset) {
        if (completed.contains(offset)) {
            highestSeen = Math.max(highestSeen, offset);
            return false;
        }
        if (firstFetched < 0) {
            firstFetched = offset;
        }
        open.add(offset);
        highestSeen = Math.max(highestSeen, offset);
        return true;
    }

    /** The record is done: its completion goes into the transaction that the next {@link #commitPoint} is for. */
    public void completed(long offset) {
        open.remove(offset);
        completed.add(offset);
    }

    /** The low-water mark: the offset to commit. */
    public long lowWaterMark() {
        return open.isEmpty() ? highestSeen + 1 : open.first();
    }

    /** Offset and offset map to commit with the completions handed out so far. */
    public OffsetAndMetadata commitPoint() {
        long mark = lowWaterMark();
        return new OffsetAndMetadata(mark, OffsetMapCodec.encode(mark, completed));
    }

    /** The transaction carrying {@code point} committed: it is what a new owner or a rewind starts from. */
    public void committed(OffsetAndMetadata point) {
        completed.removeThrough(point.offset() - 1);
        committedOffset = point.offset();
        // What the commit says, not what is completed now: completions after the batch was taken are not in it.
        committedCompleted = OffsetMapCodec.decode(point.offset(), point.metadata());
    }

    /**
     * A transaction aborted: back to what was last committed. Returns the offset to seek to; every record from there
     * that the last commit does not name as completed must be read and run again. Empty when nothing was ever
     * committed or fetched (the consumer's own position is right).
     */
    public java.util.OptionalLong rewind() {
        open.clear();
        completed = committedCompleted.copy();
        long from = committedOffset >= 0 ? committedOffset : firstFetched;
        highestSeen = Math.max(from - 1, completed.highest());
        return from < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(from);
    }

    /**
     * Whether one more record, {@code offset}, may be taken on while {@code pending} (taken on, not yet completed)
     * are: true when the offset map stays within the broker's metadata limit however they all complete.
     */
    public boolean mayAdmit(long offset, Collection<Long> pending) {
        long mark = Math.min(lowWaterMark(), offset);
        int bound = OffsetMapCodec.rawSize(mark, completed) + OffsetMapCodec.worstCaseGrowth(mark, offset);
        for (long other : pending) {
            bound += OffsetMapCodec.worstCaseGrowth(mark, other);
        }
        return bound <= OffsetMapCodec.MAX_RAW_BYTES;
    }

    @Override
    public String toString() {
        return "low-water mark " + lowWaterMark() + ", open " + open + ", completed above " + completed;
    }
}
