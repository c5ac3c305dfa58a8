package io.execq.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code execq bench} as a library: start the environment, open the series, run the plan, collect the report; and
 * write a report as {@code report.md}, {@code bench.json} and PNG charts.
 */
public final class Bench {

    private Bench() {
    }

    /**
     * Runs {@code plan} with {@code settings}.
     *
     * @param commandLine the invocation's arguments, for the report
     * @param progress where the progress bar is drawn when this process has a console
     * @throws IllegalStateException when the environment cannot be set up (no Docker for Docker series, ...)
     */
    public static BenchReport run(BenchSettings settings, BenchPlan plan, String commandLine, PrintWriter progress)
            throws Exception {
        Instant startedAt = Instant.now();
        try (ProcessMetrics metrics = new ProcessMetrics();
                BenchEnvironment environment = BenchEnvironment.start(settings, plan);
                SeriesCatalog catalog = SeriesCatalog.open(settings, plan, environment)) {
            List<Series> series = catalog.series();
            List<SeriesResult> results = new Runner(plan,
                    ProgressBar.forConsole(progress, Runner.totalSamples(plan, series.size()))).run(series);
            String target = environment.inProcessExecutor()
                    ? "embedded broker at " + environment.bootstrapServers() + " and one in-process executor"
                    : "the deployment at " + environment.bootstrapServers();
            return new BenchReport(startedAt, commandLine, plan, settings, target, environment.executorOptions(),
                    machine(), results, Ratios.overheads(results),
                    Ratios.headOfLine(results, HeadOfLineSeries.SUFFIX), metrics.snapshot());
        }
    }

    /** Writes {@code report.md}, {@code bench.json} and the charts into {@code dir} (created if missing). */
    public static void write(BenchReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), MarkdownReport.render(report), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("bench.json"), JsonReport.render(report), StandardCharsets.UTF_8);
        Charts.write(report, dir);
    }

    /** The report's tables as Markdown. */
    public static String markdown(BenchReport report) {
        return MarkdownReport.render(report);
    }

    /** Every number of the report as JSON. */
    public static String json(BenchReport report) {
        return JsonReport.render(report);
    }

    private static Map<String, String> machine() {
        return Map.of("cores", Integer.toString(Runtime.getRuntime().availableProcessors()),
                "java", System.getProperty("java.version"),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version"),
                "maxHeapMiB", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
    }
}
