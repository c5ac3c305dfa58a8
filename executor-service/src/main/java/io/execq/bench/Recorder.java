package io.execq.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The measurements of one series at one concurrency level: every sample's latency (HdrHistogram, microsecond
 * resolution, three significant digits), the errors, and the wall time of its batches. Thread-safe.
 */
final class Recorder {

    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    /** Percentile steps of the CDF kept for charts and the JSON: ten points per halving of the tail. */
    private static final int CDF_TICKS_PER_HALF = 10;

    private final Histogram histogram = new Histogram(1, HIGHEST_MICROS, 3);
    private long errors;
    private String firstError;
    private long wallNanos;

    /** Records one sample's latency; {@code failure} is null when it succeeded. */
    synchronized void record(Duration latency, Throwable failure) {
        histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, latency.toNanos() / 1_000)));
        if (failure != null) {
            errors++;
            if (firstError == null) {
                firstError = failure.toString();
            }
        }
    }

    /** Adds a batch's wall time, from its first sample's start to its last sample's end. */
    synchronized void addWall(Duration wall) {
        wallNanos += wall.toNanos();
    }

    synchronized LatencyStats stats() {
        long count = histogram.getTotalCount();
        double seconds = wallNanos / 1e9;
        return new LatencyStats(count, errors, firstError, seconds > 0 ? count / seconds : 0,
                millis(histogram.getValueAtPercentile(50)), millis(histogram.getValueAtPercentile(90)),
                millis(histogram.getValueAtPercentile(99)), millis(histogram.getMaxValue()),
                count == 0 ? 0 : histogram.getMean() / 1_000, cdf());
    }

    private List<LatencyStats.Point> cdf() {
        List<LatencyStats.Point> points = new ArrayList<>();
        if (histogram.getTotalCount() == 0) {
            return points;
        }
        for (HistogramIterationValue v : histogram.percentiles(CDF_TICKS_PER_HALF)) {
            points.add(new LatencyStats.Point(millis(v.getValueIteratedTo()), v.getPercentileLevelIteratedTo()));
        }
        return points;
    }

    private static double millis(long micros) {
        return micros / 1_000.0;
    }
}
