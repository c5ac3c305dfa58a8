package io.execq.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The interleaving of one concurrency level: {@code requests} samples per series, split into {@code rounds}
 * batches; in round {@code r} the series run in the order {@code r, r+1, ...} (mod the series count), so that no
 * series always goes first or always follows the same neighbour.
 */
final class Schedule {

    /** One batch: {@code samples} samples of the series at {@code series} (an index into the plan's list). */
    record Batch(int round, int series, int samples) {
    }

    private Schedule() {
    }

    static List<Batch> batches(int seriesCount, int requests, int rounds) {
        List<Batch> batches = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            // Spread the remainder over the first rounds: sizes differ by at most one and sum to requests.
            int samples = requests / rounds + (round < requests % rounds ? 1 : 0);
            for (int i = 0; i < seriesCount; i++) {
                batches.add(new Batch(round, (round + i) % seriesCount, samples));
            }
        }
        return batches;
    }
}
