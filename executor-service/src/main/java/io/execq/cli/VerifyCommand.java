package io.execq.cli;

import io.execq.sdk.verify.Finding;
import io.execq.sdk.verify.Verifier;
import io.execq.sdk.verify.VerifyReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code execq verify}: a thin front for {@link Verifier}, which holds the matching rule. Prints the counts, the
 * dead letters by reason and the findings as tables, or the whole report as one JSON object.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check that every committed request record has exactly one answer: reads the requests, results "
                + "and dead-letter topics (read_committed, to the end offsets at start) and reports request records "
                + "with no answer (missing), request ids with more results than records (duplicated), and results or "
                + "dead letters that answer no request record (unexpected).",
                "Undecodable records are matched to their dead letter by position (execq.source.* headers); "
                        + "replays are requests of their own (replayOf names the original).",
                "Exit status: 0 nothing missing, duplicated or unexpected; 1 something is; 2 usage error; "
                        + "3 a topic could not be read."})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "0s",
            converter = ValueConverters.DurationConverter.class,
            description = "While request records are missing an answer, keep reading for up to DURATION (runs "
                    + "still going). Default: ${DEFAULT-VALUE} (read once).")
    Duration wait;

    @Option(names = "--read-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = ValueConverters.DurationConverter.class,
            description = "Longest one read of the three topics to their ends may take (default: ${DEFAULT-VALUE}).")
    Duration readTimeout;

    @Option(names = "--max-listed", paramLabel = "N", defaultValue = "20",
            description = "Findings listed per kind in the table (default: ${DEFAULT-VALUE}); --json lists all.")
    int maxListed;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (maxListed < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-listed must not be negative, got " + maxListed);
        }
        Verifier verifier;
        try {
            verifier = Verifier.builder().kafkaProperties(kafka.asProperties())
                    .requestsTopic(kafka.requestsTopic).resultsTopic(kafka.resultsTopic)
                    .deadLetterTopic(kafka.deadLetterTopic).readTimeout(readTimeout).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        VerifyReport report;
        try {
            report = verifier.verify(wait);
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            spec.commandLine().getErr().println("execq verify: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 3;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(VerifyReportJson.write(report));
        } else {
            printTables(out, report);
        }
        out.flush();
        return report.clean() ? 0 : 1;
    }

    private void printTables(PrintWriter out, VerifyReport report) {
        out.printf("%-10s  %-36s  %8s%n", "TOPIC", "NAME", "RECORDS");
        out.printf("%-10s  %-36s  %8d  (%d undecodable, %d replays)%n", "requests", report.requestsTopic(),
                report.requestRecords(), report.undecodableRequests(), report.replays());
        out.printf("%-10s  %-36s  %8d%n", "results", report.resultsTopic(), report.results());
        out.printf("%-10s  %-36s  %8d%n", "dead", report.deadLetterTopic(), report.deadLetters());
        out.println();
        counts(out, "RESULT STATUS", report.resultsByStatus());
        counts(out, "DEAD-LETTER REASON", report.deadLettersByReason());
        out.printf("%-20s  %8s%n", "CHECK", "COUNT");
        out.printf("%-20s  %8d%n", "missing", report.missing().size());
        out.printf("%-20s  %8d%n", "duplicated", report.duplicated().size());
        out.printf("%-20s  %8d%n", "unexpected", report.unexpected().size());
        if (!report.clean()) {
            out.println();
            out.printf("%-10s  %-36s  %-40s  %s%n", "KIND", "REQUEST", "RECORD", "DETAIL");
            findings(out, report.missing());
            findings(out, report.duplicated());
            findings(out, report.unexpected());
        }
        out.println();
        report.notes().forEach(note -> out.println("note: " + note));
        out.println((report.clean() ? "OK: " : "FAILED: ") + report.summary());
    }

    private static void counts(PrintWriter out, String title, Map<String, Long> counts) {
        out.printf("%-20s  %8s%n", title, "COUNT");
        new TreeMap<>(counts).forEach((name, count) -> out.printf("%-20s  %8d%n", name, count));
        out.println();
    }

    private void findings(PrintWriter out, List<Finding> findings) {
        findings.stream().limit(maxListed).forEach(f -> out.printf("%-10s  %-36s  %-40s  %s%n",
                f.kind().name().toLowerCase(), f.requestId() == null ? "-" : f.requestId(), f.position(),
                f.detail()));
        if (findings.size() > maxListed) {
            out.printf("%-10s  ... %d more (--max-listed, --json)%n",
                    findings.get(0).kind().name().toLowerCase(), findings.size() - maxListed);
        }
    }
}
