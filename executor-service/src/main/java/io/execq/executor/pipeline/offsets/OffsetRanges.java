package io.execq.executor.pipeline.offsets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of offsets kept as runs of consecutive offsets, so that memory grows with the number of runs (which the
 * metadata budget bounds), not with the number of offsets: a long run at a partition's low-water mark may have
 * hundreds of thousands of completions above it. Not thread-safe.
 */
public final class OffsetRanges {

    /** A run of consecutive offsets, both ends included. */
    public record Run(long first, long last) {
    }

    private final TreeMap<Long, Long> runs = new TreeMap<>(); // first -> last

    public boolean contains(long offset) {
        Map.Entry<Long, Long> floor = runs.floorEntry(offset);
        return floor != null && floor.getValue() >= offset;
    }

    public void add(long offset) {
        if (contains(offset)) {
            return;
        }
        Map.Entry<Long, Long> before = runs.floorEntry(offset);
        Long after = runs.containsKey(offset + 1) ? runs.get(offset + 1) : null;
        long first = offset;
        long last = offset;
        if (before != null && before.getValue() == offset - 1) {
            first = before.getKey();
        }
        if (after != null) {
            runs.remove(offset + 1);
            last = after;
        }
        runs.put(first, last);
    }

    /** Adds every offset from {@code first} to {@code last}, both included; the run must not touch existing ones. */
    void addRun(long first, long last) {
        Map.Entry<Long, Long> floor = runs.floorEntry(last + 1);
        if (floor != null && floor.getValue() >= first - 1) {
            throw new IllegalArgumentException("overlapping run " + first + ".." + last);
        }
        runs.put(first, last);
    }

    /** Forgets every offset at or below {@code offset}. */
    public void removeThrough(long offset) {
        Map.Entry<Long, Long> floor = runs.floorEntry(offset);
        runs.headMap(offset, true).clear();
        if (floor != null && floor.getValue() > offset) {
            runs.put(offset + 1, floor.getValue());
        }
    }

    /** The runs above {@code offset}, in order. */
    public List<Run> runsAbove(long offset) {
        List<Run> above = new ArrayList<>();
        Map.Entry<Long, Long> floor = runs.floorEntry(offset);
        if (floor != null && floor.getValue() > offset) {
            above.add(new Run(offset + 1, floor.getValue()));
        }
        runs.tailMap(offset, false).forEach((first, last) -> above.add(new Run(first, last)));
        return above;
    }

    /** The highest offset held, or -1. */
    public long highest() {
        return runs.isEmpty() ? -1 : runs.lastEntry().getValue();
    }

    public boolean isEmpty() {
        return runs.isEmpty();
    }

    public OffsetRanges copy() {
        OffsetRanges copy = new OffsetRanges();
        copy.runs.putAll(runs);
        return copy;
    }

    @Override
    public String toString() {
        return runs.toString();
    }
}
