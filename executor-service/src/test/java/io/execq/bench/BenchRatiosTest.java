package io.execq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchRatiosTest {

    static SeriesResult result(String series, int concurrency, double throughput, double p50, double p99) {
        return new SeriesResult(series, series, concurrency,
                new LatencyStats(10, 0, null, throughput, p50, p50, p99, p99, p50, List.of()));
    }

    @Test
    void execqIsComparedToItsRawBaselineAndToTheKafkaFloorPlusRawAtTheSameLevel() {
        List<SeriesResult> results = List.of(
                result("raw-hardened-spawn", 4, 40, 20, 30),
                result("kafka-floor", 4, 100, 10, 15),
                result("execq-process", 4, 10, 45, 60),
                result("raw-hardened-spawn", 1, 99, 99, 99));

        List<Ratios.Overhead> overheads = Ratios.overheads(results);

        assertThat(overheads).hasSize(1);
        Ratios.Overhead o = overheads.get(0);
        assertThat(o.concurrency()).isEqualTo(4);
        assertThat(o.raw()).isEqualTo("raw-hardened-spawn");
        assertThat(o.throughputRatio()).isEqualTo(0.25);
        assertThat(o.floorPlusRawP50Ms()).isEqualTo(30.0);
        assertThat(o.p50Ratio()).isEqualTo(1.5);
        assertThat(o.overheadP50Ms()).isEqualTo(15.0);
    }

    @Test
    void dockerEndToEndIsComparedToTheRawDockerJavaCycle() {
        List<SeriesResult> results = List.of(
                result("raw-docker-java", 1, 2, 500, 600),
                result("raw-docker-cli", 1, 1, 900, 900),
                result("kafka-floor", 1, 50, 20, 30),
                result("execq-docker", 1, 1.5, 600, 700));

        Ratios.Overhead o = Ratios.overheads(results).get(0);

        assertThat(o.execq()).isEqualTo("execq-docker");
        assertThat(o.raw()).isEqualTo("raw-docker-java");
        assertThat(o.throughputRatio()).isEqualTo(0.75);
        assertThat(o.overheadP50Ms()).isEqualTo(80.0);
    }

    @Test
    void withoutTheFloorThereIsNoOverheadRow() {
        assertThat(Ratios.overheads(List.of(result("raw-hardened-spawn", 1, 1, 1, 1),
                result("execq-process", 1, 1, 1, 1)))).isEmpty();
    }

    @Test
    void headOfLineDividesBehindByAlonePerLevel() {
        List<SeriesResult> results = List.of(
                result("execq-process", 1, 10, 100, 200),
                result("execq-process" + HeadOfLineSeries.SUFFIX, 1, 5, 250, 1000),
                result("execq-process", 4, 10, 100, 200));

        List<Ratios.HeadOfLine> hol = Ratios.headOfLine(results, HeadOfLineSeries.SUFFIX);

        assertThat(hol).singleElement().satisfies(h -> {
            assertThat(h.series()).isEqualTo("execq-process");
            assertThat(h.concurrency()).isEqualTo(1);
            assertThat(h.p50Ratio()).isEqualTo(2.5);
            assertThat(h.p99Ratio()).isCloseTo(5.0, within(1e-9));
        });
    }

    @Test
    void aZeroDenominatorIsNotANumber() {
        assertThat(Ratios.ratio(1, 0)).isNaN();
    }
}
