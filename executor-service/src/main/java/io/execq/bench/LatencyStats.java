package io.execq.bench;

import java.util.List;

/**
 * What one series did at one concurrency level.
 *
 * @param samples samples recorded (failed ones included)
 * @param errors samples that did not complete as expected
 * @param firstError the first failure, for the report; null when there was none
 * @param throughput samples per second of the series' own wall time (the sum of its batches)
 * @param p50Ms median latency in milliseconds
 * @param p90Ms 90th percentile
 * @param p99Ms 99th percentile
 * @param maxMs the slowest sample
 * @param meanMs the mean
 * @param cdf the latency distribution: (latency ms, percentile) points, ascending
 */
public record LatencyStats(long samples, long errors, String firstError, double throughput, double p50Ms,
                           double p90Ms, double p99Ms, double maxMs, double meanMs, List<Point> cdf) {

    public LatencyStats {
        cdf = List.copyOf(cdf);
    }

    /** A point of the cumulative distribution: {@code percentile} % of samples took at most {@code latencyMs}. */
    public record Point(double latencyMs, double percentile) {
    }
}
