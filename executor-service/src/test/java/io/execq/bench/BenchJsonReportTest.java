package io.execq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.schema.Backend;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BenchJsonReportTest {

    static BenchReport report() {
        List<SeriesResult> results = List.of(
                new SeriesResult("raw-hardened-spawn", "sandbox", 1, new LatencyStats(3, 0, null, 40, 20, 25, 29, 30,
                        21, List.of(new LatencyStats.Point(20, 50), new LatencyStats.Point(30, 100)))),
                new SeriesResult("kafka-floor", "floor", 1, new LatencyStats(3, 0, null, 90, 10, 11, 12, 13, 10,
                        List.of())),
                new SeriesResult("execq-process", "e2e", 1, new LatencyStats(3, 1, "boom", 10, 45, 50, 59, 60, 46,
                        List.of())));
        BenchSettings settings = new BenchSettings(EnumSet.of(Backend.PROCESS), List.of("echo", "bench"),
                "execq/busybox:latest", List.of("sleep", "5"), 2, "unix:///var/run/docker.sock", Optional.empty(),
                Map.of("rate", "100000"), BenchSettings.DEFAULT_TIMEOUT);
        return new BenchReport(Instant.parse("2026-12-02T03:00:00Z"), "--requests 3",
                new BenchPlan(Scenario.THROUGHPUT, 3, List.of(1), 0, 1), settings, "embedded",
                Map.of("rate", "100000"), Map.of("cores", "2"), results, Ratios.overheads(results), List.of(),
                new ProcessMetrics.Snapshot(100L << 20, 200L << 20, 150L << 20, 12, 3));
    }

    @Test
    void jsonHasEverySeriesWithItsNumbersAndTheRatios() throws Exception {
        JsonNode json = new ObjectMapper().readTree(JsonReport.render(report()));

        assertThat(json.get("startedAt").asText()).isEqualTo("2026-12-02T03:00:00Z");
        assertThat(json.at("/plan/scenario").asText()).isEqualTo("THROUGHPUT");
        assertThat(json.at("/plan/concurrency/0").asInt()).isEqualTo(1);
        assertThat(json.at("/settings/backends").toString()).isEqualTo("[\"process\"]");
        assertThat(json.at("/settings/command").toString()).isEqualTo("[\"echo\",\"bench\"]");
        assertThat(json.at("/settings/executorOptions/rate").asText()).isEqualTo("100000");
        assertThat(json.get("series")).hasSize(3);
        JsonNode e2e = json.get("series").get(2);
        assertThat(e2e.get("series").asText()).isEqualTo("execq-process");
        assertThat(e2e.get("concurrency").asInt()).isEqualTo(1);
        assertThat(e2e.at("/stats/samples").asLong()).isEqualTo(3);
        assertThat(e2e.at("/stats/errors").asLong()).isEqualTo(1);
        assertThat(e2e.at("/stats/firstError").asText()).isEqualTo("boom");
        assertThat(e2e.at("/stats/p50Ms").asDouble()).isEqualTo(45.0);
        assertThat(e2e.at("/stats/p99Ms").asDouble()).isEqualTo(59.0);
        assertThat(json.at("/series/0/stats/cdf/1/percentile").asDouble()).isEqualTo(100.0);
        assertThat(json.at("/overheads/0/throughputRatio").asDouble()).isEqualTo(0.25);
        assertThat(json.at("/overheads/0/overheadP50Ms").asDouble()).isEqualTo(15.0);
        assertThat(json.at("/footprint/peakRssBytes").asLong()).isEqualTo(200L << 20);
        assertThat(json.at("/footprint/gcMillis").asLong()).isEqualTo(12);
    }

    @Test
    void markdownHasARowPerSeriesAndTheFirstErrorOfAFailingOne() {
        String md = MarkdownReport.render(report());

        assertThat(md).contains("| raw-hardened-spawn | 1 | 3 | 0 | 40.0 | 20.00 | 25.00 | 29.00 | 30.00 |")
                .contains("| execq-process | 1 | 3 | 1 | 10.0 | 45.00 |")
                .contains("execq-process at 1: first error: boom")
                .contains("| 1 | execq-process | raw-hardened-spawn | 0.25 | 45.00 | 30.00 | 1.50 | 15.00 |")
                .contains("peak RSS (VmHWM) 200.0 MiB");
    }

    @Test
    void rssIsReadFromProcStatusInBytes() {
        List<String> status = List.of("Name:\tjava", "VmHWM:\t  524288 kB", "VmRSS:\t  262144 kB");

        assertThat(ProcessMetrics.kilobytes(status, "VmHWM:")).isEqualTo(512L << 20);
        assertThat(ProcessMetrics.kilobytes(status, "VmRSS:")).isEqualTo(256L << 20);
        assertThat(ProcessMetrics.kilobytes(status, "VmSwap:")).isEqualTo(-1);
    }
}
