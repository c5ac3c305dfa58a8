package io.execq.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code execq bench} run measured, as written to {@code report.md} and {@code bench.json}.
 *
 * @param startedAt when the run started
 * @param commandLine the arguments it was started with
 * @param plan what it measured
 * @param settings what it ran against
 * @param target where the Kafka-facing series went ("embedded broker + in-process executor" or a deployment)
 * @param executorOptions the in-process executor's options; empty when a deployment was measured
 * @param machine cores, Java and OS of this machine
 * @param results every series at every level
 * @param overheads execq against its raw baselines
 * @param headOfLine short requests behind long runs against alone
 * @param footprint this JVM's heap, RSS and GC over the run
 */
public record BenchReport(Instant startedAt, String commandLine, BenchPlan plan, BenchSettings settings,
                          String target, Map<String, String> executorOptions, Map<String, String> machine,
                          List<SeriesResult> results, List<Ratios.Overhead> overheads,
                          List<Ratios.HeadOfLine> headOfLine, ProcessMetrics.Snapshot footprint) {

    public BenchReport {
        executorOptions = Map.copyOf(executorOptions);
        machine = Map.copyOf(machine);
        results = List.copyOf(results);
        overheads = List.copyOf(overheads);
        headOfLine = List.copyOf(headOfLine);
    }

    /** Samples that failed, over all series and levels. */
    public long errors() {
        return results.stream().mapToLong(r -> r.stats().errors()).sum();
    }
}
