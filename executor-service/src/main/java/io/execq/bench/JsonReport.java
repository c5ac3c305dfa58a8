package io.execq.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bench.json}: every number of the run. Top level: {@code startedAt}, {@code commandLine}, {@code plan},
 * {@code settings}, {@code machine}, {@code series} (one entry per series and concurrency level: {@code series},
 * {@code description}, {@code concurrency}, {@code stats} with {@code samples}, {@code errors},
 * {@code firstError}, {@code throughput} (req/s), {@code p50Ms}, {@code p90Ms}, {@code p99Ms}, {@code maxMs},
 * {@code meanMs} and the {@code cdf} points), {@code overheads}, {@code headOfLine}, {@code footprint}.
 */
final class JsonReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    static String render(BenchReport report) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("startedAt", report.startedAt().toString());
        root.put("commandLine", report.commandLine());
        root.put("plan", report.plan());
        root.put("settings", settings(report));
        root.put("machine", new TreeMap<>(report.machine()));
        root.put("series", report.results());
        root.put("overheads", report.overheads());
        root.put("headOfLine", report.headOfLine());
        root.put("footprint", report.footprint());
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> settings(BenchReport report) {
        BenchSettings s = report.settings();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("backends", s.backends().stream().map(b -> b.name().toLowerCase(Locale.ROOT)).sorted().toList());
        settings.put("command", s.command());
        settings.put("image", s.image());
        settings.put("longCommand", s.longCommand());
        settings.put("longRuns", s.longRuns());
        settings.put("dockerHost", s.dockerHost());
        settings.put("timeoutMs", s.timeout().toMillis());
        settings.put("target", report.target());
        settings.put("executorOptions", new TreeMap<>(report.executorOptions()));
        return settings;
    }
}
