package io.execq.bench;

import java.util.List;
import java.util.Objects;

/**
 * How much to measure, validated at construction.
 *
 * @param scenario what to measure
 * @param requests samples per series at each concurrency level (all of them recorded)
 * @param concurrency the concurrency levels, in the order they run; {@link Scenario#LATENCY} uses {@code [1]}
 * @param warmup unrecorded samples per series before the first level
 * @param rounds how many batches each series' samples of one level are split into; the series take turns batch by
 *     batch, in an order that rotates every round, so drift of the machine hits every series alike
 */
public record BenchPlan(Scenario scenario, int requests, List<Integer> concurrency, int warmup, int rounds) {

    public static final int DEFAULT_REQUESTS = 200;
    public static final List<Integer> DEFAULT_CONCURRENCY = List.of(1, 4, 16);
    public static final int DEFAULT_WARMUP = 5;
    public static final int DEFAULT_ROUNDS = 5;

    public BenchPlan {
        Objects.requireNonNull(scenario, "scenario");
        if (requests < 1) {
            throw new IllegalArgumentException("requests must be at least 1, got " + requests);
        }
        if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 1024)) {
            throw new IllegalArgumentException("concurrency levels must be in [1, 1024], got " + concurrency);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be at least 0, got " + warmup);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        concurrency = scenario == Scenario.LATENCY ? List.of(1) : List.copyOf(concurrency);
        // Long runs are submitted once per batch: one batch per level keeps them from piling up.
        rounds = scenario == Scenario.HOL ? 1 : Math.min(rounds, requests);
    }

    /** The highest concurrency level: what the in-process executor's bulkhead is sized to. */
    public int maxConcurrency() {
        return concurrency.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
