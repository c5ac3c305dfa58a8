package io.execq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchRecorderTest {

    @Test
    void percentilesOfOneToHundredMillisecondsAreTheMatchingSamples() {
        Recorder recorder = new Recorder();
        for (int ms = 1; ms <= 100; ms++) {
            recorder.record(Duration.ofMillis(ms), null);
        }
        recorder.addWall(Duration.ofSeconds(2));

        LatencyStats stats = recorder.stats();

        assertThat(stats.samples()).isEqualTo(100);
        assertThat(stats.errors()).isZero();
        assertThat(stats.firstError()).isNull();
        // Three significant digits: each value within 0.1 % of the exact one.
        assertThat(stats.p50Ms()).isCloseTo(50, within(0.05));
        assertThat(stats.p90Ms()).isCloseTo(90, within(0.09));
        assertThat(stats.p99Ms()).isCloseTo(99, within(0.1));
        assertThat(stats.maxMs()).isCloseTo(100, within(0.1));
        assertThat(stats.meanMs()).isCloseTo(50.5, within(0.1));
        assertThat(stats.throughput()).isEqualTo(50.0);
    }

    @Test
    void throughputCountsTheWallTimeOfEveryBatch() {
        Recorder recorder = new Recorder();
        for (int i = 0; i < 30; i++) {
            recorder.record(Duration.ofMillis(10), null);
        }
        recorder.addWall(Duration.ofSeconds(1));
        recorder.addWall(Duration.ofSeconds(2));

        assertThat(recorder.stats().throughput()).isEqualTo(10.0);
    }

    @Test
    void failedSamplesAreCountedAndStillRecorded() {
        Recorder recorder = new Recorder();
        recorder.record(Duration.ofMillis(5), null);
        recorder.record(Duration.ofMillis(7), new IllegalStateException("exit 1"));
        recorder.record(Duration.ofMillis(9), new IllegalStateException("exit 2"));

        LatencyStats stats = recorder.stats();

        assertThat(stats.samples()).isEqualTo(3);
        assertThat(stats.errors()).isEqualTo(2);
        assertThat(stats.firstError()).isEqualTo("java.lang.IllegalStateException: exit 1");
    }

    @Test
    void cdfAscendsToTheHundredthPercentileAtTheMaximum() {
        Recorder recorder = new Recorder();
        for (int ms = 1; ms <= 10; ms++) {
            recorder.record(Duration.ofMillis(ms), null);
        }

        var cdf = recorder.stats().cdf();

        assertThat(cdf).isNotEmpty();
        assertThat(cdf).isSortedAccordingTo((a, b) -> Double.compare(a.latencyMs(), b.latencyMs()));
        assertThat(cdf.get(cdf.size() - 1).percentile()).isEqualTo(100.0);
        assertThat(cdf.get(cdf.size() - 1).latencyMs()).isCloseTo(10, within(0.01));
    }

    @Test
    void anEmptyRecorderHasNoThroughputAndNoCdf() {
        LatencyStats stats = new Recorder().stats();

        assertThat(stats.samples()).isZero();
        assertThat(stats.throughput()).isZero();
        assertThat(stats.cdf()).isEmpty();
    }
}
