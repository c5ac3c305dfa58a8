package io.execq.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report's comparisons, all within one run and one concurrency level.
 *
 * <ul>
 *   <li>{@link Overhead}: execq end to end against its raw baseline (raw hardened spawn for the process backend,
 *       the raw docker-java cycle for Docker): throughput ratio {@code execq / raw}, and p50 against the sum of
 *       the Kafka floor's p50 and the raw p50 (what execq cannot be faster than), as a ratio and as the
 *       difference in milliseconds (execq's own overhead);</li>
 *   <li>{@link HeadOfLine}: the short requests' p50 and p99 behind long runs divided by the same without them.</li>
 * </ul>
 * A comparison whose series did not run is left out.
 */
final class Ratios {

    /** The execq series and the raw series it is compared to. */
    static final Map<String, String> BASELINES = Map.of(
            "execq-process", "raw-hardened-spawn",
            "execq-docker", "raw-docker-java");
    static final String FLOOR = "kafka-floor";

    record Overhead(int concurrency, String execq, String raw, double throughputRatio, double execqP50Ms,
                    double floorPlusRawP50Ms, double p50Ratio, double overheadP50Ms) {
    }

    record HeadOfLine(int concurrency, String series, double aloneP50Ms, double aloneP99Ms, double behindP50Ms,
                      double behindP99Ms, double p50Ratio, double p99Ratio) {
    }

    private Ratios() {
    }

    static List<Overhead> overheads(List<SeriesResult> results) {
        List<Overhead> overheads = new ArrayList<>();
        for (SeriesResult execq : results) {
            String rawName = BASELINES.get(execq.series());
            if (rawName == null) {
                continue;
            }
            Optional<LatencyStats> raw = find(results, rawName, execq.concurrency());
            Optional<LatencyStats> floor = find(results, FLOOR, execq.concurrency());
            if (raw.isEmpty() || floor.isEmpty()) {
                continue;
            }
            double bound = floor.get().p50Ms() + raw.get().p50Ms();
            LatencyStats e = execq.stats();
            overheads.add(new Overhead(execq.concurrency(), execq.series(), rawName,
                    ratio(e.throughput(), raw.get().throughput()), e.p50Ms(), bound, ratio(e.p50Ms(), bound),
                    e.p50Ms() - bound));
        }
        return overheads;
    }

    static List<HeadOfLine> headOfLine(List<SeriesResult> results, String behindSuffix) {
        List<HeadOfLine> comparisons = new ArrayList<>();
        for (SeriesResult behind : results) {
            if (!behind.series().endsWith(behindSuffix)) {
                continue;
            }
            String aloneName = behind.series().substring(0, behind.series().length() - behindSuffix.length());
            find(results, aloneName, behind.concurrency()).ifPresent(alone -> comparisons.add(new HeadOfLine(
                    behind.concurrency(), aloneName, alone.p50Ms(), alone.p99Ms(), behind.stats().p50Ms(),
                    behind.stats().p99Ms(), ratio(behind.stats().p50Ms(), alone.p50Ms()),
                    ratio(behind.stats().p99Ms(), alone.p99Ms()))));
        }
        return comparisons;
    }

    /** {@code a / b}, or NaN when {@code b} is zero (the string "NaN" in the JSON). */
    static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static Optional<LatencyStats> find(List<SeriesResult> results, String series, int concurrency) {
        return results.stream().filter(r -> r.series().equals(series) && r.concurrency() == concurrency)
                .map(SeriesResult::stats).findFirst();
    }
}
