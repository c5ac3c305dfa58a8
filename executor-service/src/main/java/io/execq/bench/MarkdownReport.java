package io.execq.bench;

import java.util.Locale;
import java.util.TreeMap;

/** {@code report.md}: the run's tables, also what {@code execq bench} prints without {@code --json}. */
final class MarkdownReport {

    private MarkdownReport() {
    }

    static String render(BenchReport report) {
        StringBuilder md = new StringBuilder();
        md.append("# execq bench ").append(report.startedAt()).append("\n\n");
        md.append("`execq bench ").append(report.commandLine()).append("`\n\n");
        md.append("Scenario ").append(report.plan().scenario().name().toLowerCase(Locale.ROOT)).append(", ")
                .append(report.plan().requests()).append(" requests per series and level, concurrency ")
                .append(report.plan().concurrency()).append(", warm-up ").append(report.plan().warmup())
                .append(", ").append(report.plan().rounds()).append(" interleaved round(s); command `")
                .append(String.join(" ", report.settings().command())).append("`, image `")
                .append(report.settings().image()).append("`.\n\n");
        md.append("Kafka and execq: ").append(report.target()).append(".");
        if (!report.executorOptions().isEmpty()) {
            md.append(" In-process executor options: ").append(new TreeMap<>(report.executorOptions()))
                    .append(" (rate and bulkhead set high so the benchmark measures overhead, not throttling).");
        }
        md.append("\n\nMachine: ").append(new TreeMap<>(report.machine())).append("\n\n");
        results(md, report);
        overheads(md, report);
        headOfLine(md, report);
        footprint(md, report.footprint());
        md.append("\n## Series\n\n");
        report.results().stream().filter(r -> r.concurrency() == report.plan().concurrency().get(0))
                .forEach(r -> md.append("- `").append(r.series()).append("`: ").append(r.description()).append('\n'));
        return md.toString();
    }

    private static void results(StringBuilder md, BenchReport report) {
        md.append("## Latency and throughput\n\n");
        md.append("| series | conc. | samples | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SeriesResult r : report.results()) {
            LatencyStats s = r.stats();
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f |%n",
                    r.series(), r.concurrency(), s.samples(), s.errors(), s.throughput(), s.p50Ms(), s.p90Ms(),
                    s.p99Ms(), s.maxMs()));
        }
        report.results().stream().filter(r -> r.stats().firstError() != null).forEach(r -> md.append("\n")
                .append(r.series()).append(" at ").append(r.concurrency()).append(": first error: ")
                .append(r.stats().firstError()).append('\n'));
    }

    private static void overheads(StringBuilder md, BenchReport report) {
        if (report.overheads().isEmpty()) {
            return;
        }
        md.append("\n## execq against the raw baselines\n\n");
        md.append("| conc. | execq | raw | throughput execq/raw | execq p50 ms | floor+raw p50 ms | p50 ratio "
                + "| overhead p50 ms |\n|---:|---|---|---:|---:|---:|---:|---:|\n");
        for (Ratios.Overhead o : report.overheads()) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    o.concurrency(), o.execq(), o.raw(), o.throughputRatio(), o.execqP50Ms(),
                    o.floorPlusRawP50Ms(), o.p50Ratio(), o.overheadP50Ms()));
        }
    }

    private static void headOfLine(StringBuilder md, BenchReport report) {
        if (report.headOfLine().isEmpty()) {
            return;
        }
        md.append("\n## Head-of-line: short requests behind ").append(report.settings().longRuns())
                .append(" long run(s) (`").append(String.join(" ", report.settings().longCommand()))
                .append("`)\n\n| conc. | series | alone p50 | alone p99 | behind p50 | behind p99 | p50 ratio "
                        + "| p99 ratio |\n|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for (Ratios.HeadOfLine h : report.headOfLine()) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    h.concurrency(), h.series(), h.aloneP50Ms(), h.aloneP99Ms(), h.behindP50Ms(), h.behindP99Ms(),
                    h.p50Ratio(), h.p99Ratio()));
        }
    }

    private static void footprint(StringBuilder md, ProcessMetrics.Snapshot f) {
        md.append(String.format(Locale.ROOT, "%n## Footprint of this JVM%n%nPeak heap used %.1f MiB, peak RSS "
                        + "(VmHWM) %.1f MiB, RSS at the end %.1f MiB, GC %d ms in %d collections.%n",
                mib(f.peakHeapBytes()), mib(f.peakRssBytes()), mib(f.rssBytes()), f.gcMillis(), f.gcCount()));
    }

    private static double mib(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / (1024.0 * 1024.0);
    }
}
