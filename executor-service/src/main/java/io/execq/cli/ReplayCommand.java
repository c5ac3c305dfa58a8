package io.execq.cli;

import io.execq.sdk.replay.DeadLetter;
import io.execq.sdk.replay.ReplayConflictException;
import io.execq.sdk.replay.ReplayFilter;
import io.execq.sdk.replay.ReplayOutcome;
import io.execq.sdk.replay.Replayer;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code execq replay}: a thin front for {@link Replayer}, which holds the logic (selection, the replay ledger, the
 * exclusion of concurrent replays). Prints one table row per selected dead letter and a count per action.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Re-publish dead-lettered requests as new requests (attempt + 1, replayOf = the original id).",
                "A dead letter is replayed at most once (ledger: the --replays-topic, written in the same "
                        + "transaction); undecodable records are listed, never replayed.",
                "Exit status: 0 done, 1 another replay of the same dead-letter topic interfered (nothing "
                        + "published; run again), 2 usage error."})
final class ReplayCommand implements Callable<Integer> {

    static final String HEADER = String.format("%-22s  %-36s  %-11s  %-24s  %-16s  %s", "DLT OFFSET", "REQUEST",
            "REASON", "FAILED AT", "ACTION", "DETAIL");

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--replays-topic", paramLabel = "TOPIC", defaultValue = Replayer.DEFAULT_REPLAYS_TOPIC,
            description = "Compacted ledger of what was replayed (created when missing; default: ${DEFAULT-VALUE}).")
    String replaysTopic;

    @Option(names = "--status", split = ",", paramLabel = "REASON",
            description = "Only these reasons: FAILED, TIMED_OUT, OOM_KILLED, REJECTED, EXPIRED, ERROR, UNDECODABLE.")
    Set<String> reasons = Set.of();

    @Option(names = "--since", paramLabel = "TIME", converter = ValueConverters.PastInstantConverter.class,
            description = "Dead-lettered at or after TIME: an ISO instant or a duration ago (1h).")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = ValueConverters.PastInstantConverter.class,
            description = "Dead-lettered before TIME: an ISO instant or a duration ago.")
    Instant until;

    @Option(names = "--request-id", paramLabel = "ID", description = "Only this original request id (repeatable).")
    Set<String> requestIds = Set.of();

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "At most N matching dead letters, oldest first (0: all).")
    int limit;

    @Option(names = "--dry-run", description = "Show what would be replayed; publish nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        ReplayFilter filter;
        Replayer replayer;
        try {
            filter = new ReplayFilter(reasons, since, until, requestIds, limit);
            replayer = Replayer.builder()
                    .kafkaProperties(kafka.asProperties())
                    .deadLetterTopic(kafka.deadLetterTopic)
                    .requestsTopic(kafka.requestsTopic)
                    .replaysTopic(replaysTopic)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<ReplayOutcome> outcomes;
        try {
            outcomes = replayer.replay(filter, dryRun);
        } catch (ReplayConflictException e) {
            spec.commandLine().getErr().println("execq replay: " + e.getMessage());
            return 1;
        }
        print(spec.commandLine().getOut(), outcomes);
        return 0;
    }

    private void print(PrintWriter out, List<ReplayOutcome> outcomes) {
        out.println(HEADER);
        Map<ReplayOutcome.Action, Integer> counts = new EnumMap<>(ReplayOutcome.Action.class);
        for (ReplayOutcome outcome : outcomes) {
            DeadLetter d = outcome.deadLetter();
            String action = outcome.action().name().toLowerCase().replace('_', ' ');
            String detail = outcome.newRequestId() != null ? "as " + outcome.newRequestId()
                    + (d.detail().isEmpty() ? "" : "; " + d.detail()) : outcome.note();
            out.println(String.format("%-22s  %-36s  %-11s  %-24s  %-16s  %s", d.partition() + "@" + d.offset(),
                    d.requestId() == null ? "(key " + d.key() + ")" : d.requestId(), d.reason(),
                    d.failedAt() == null ? "-" : d.failedAt(), action, oneLine(detail)));
            counts.merge(outcome.action(), 1, Integer::sum);
        }
        out.printf("%d matching dead letter(s): %d replayed, %d would be replayed (dry run), %d already replayed, "
                        + "%d not replayable%n", outcomes.size(), counts.getOrDefault(ReplayOutcome.Action.REPLAYED, 0),
                counts.getOrDefault(ReplayOutcome.Action.WOULD_REPLAY, 0),
                counts.getOrDefault(ReplayOutcome.Action.ALREADY_REPLAYED, 0),
                counts.getOrDefault(ReplayOutcome.Action.NOT_REPLAYABLE, 0));
        out.flush();
    }

    private static String oneLine(String text) {
        String line = text.replace('\n', ' ');
        return line.length() > 100 ? line.substring(0, 97) + "..." : line;
    }
}
