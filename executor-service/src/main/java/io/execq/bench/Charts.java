package io.execq.bench;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's PNG charts, rendered headless: one latency CDF per concurrency level (latency on a log axis, one
 * line per series) and throughput against concurrency (one line per series).
 */
final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 550;

    private Charts() {
    }

    /** Writes the charts into {@code dir} and returns their file names. */
    static List<String> write(BenchReport report, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        for (int level : report.plan().concurrency()) {
            String name = "latency-cdf-c" + level + ".png";
            save(latencyCdf(report, level), dir.resolve(name));
            files.add(name);
        }
        save(throughput(report), dir.resolve("throughput.png"));
        files.add("throughput.png");
        return files;
    }

    private static JFreeChart latencyCdf(BenchReport report, int level) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (SeriesResult r : report.results()) {
            if (r.concurrency() != level) {
                continue;
            }
            XYSeries line = new XYSeries(r.series(), false, true);
            r.stats().cdf().forEach(p -> line.add(Math.max(p.latencyMs(), 0.001), p.percentile()));
            data.addSeries(line);
        }
        LogAxis latency = logAxis("latency (ms, log scale)");
        NumberAxis percentile = new NumberAxis("percentile");
        percentile.setRange(0, 100);
        return chart("Latency CDF at concurrency " + level, new XYPlot(data, latency, percentile, lines(false)));
    }

    private static JFreeChart throughput(BenchReport report) {
        Map<String, XYSeries> lines = new LinkedHashMap<>();
        for (SeriesResult r : report.results()) {
            lines.computeIfAbsent(r.series(), name -> new XYSeries(name, true, false))
                    .add(r.concurrency(), r.stats().throughput());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        lines.values().forEach(data::addSeries);
        NumberAxis concurrency = new NumberAxis("concurrency");
        concurrency.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return chart("Throughput against concurrency", new XYPlot(data, concurrency,
                logAxis("requests per second (log scale)"), lines(true)));
    }

    /** A base-10 log axis with plain-number labels at powers of ten. */
    private static LogAxis logAxis(String label) {
        LogAxis axis = new LogAxis(label);
        axis.setSmallestValue(0.001);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("0.###"));
        return axis;
    }

    private static XYLineAndShapeRenderer lines(boolean shapes) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, shapes);
        renderer.setDefaultStroke(new BasicStroke(2f));
        renderer.setAutoPopulateSeriesStroke(false);
        return renderer;
    }

    private static JFreeChart chart(String title, XYPlot plot) {
        return new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    }

    private static void save(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
