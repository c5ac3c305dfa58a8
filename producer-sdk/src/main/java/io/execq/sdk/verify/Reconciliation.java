package io.execq.sdk.verify;

import io.execq.sdk.replay.DeadLetterHeaders;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The matching rule of {@link Verifier}, without Kafka: request records, results and dead letters go in (in any
 * order), a {@link VerifyReport} comes out.
 *
 * <ul>
 *   <li>A request record is identified by its position in the requests topic. One that decodes is answered by a
 *       result carrying its request id (every request the executor decodes gets one, REJECTED and EXPIRED
 *       included); a record that does not decode has no request id, so it is answered by a dead letter whose
 *       {@code execq.source.*} headers name its position. A decodable record dead-lettered as
 *       {@value DeadLetterHeaders#UNDECODABLE} (the executor could not read what this reader could) counts as
 *       answered too.</li>
 *   <li>A request id may be carried by several request records (a producer that sent the same request twice); each
 *       record is run, so it may have as many results as records, not more.</li>
 *   <li>A replay is a request of its own ({@code replayOf} names the original, the request id is new), published to
 *       the requests topic, so its result answers the replay's record and is neither a duplicate of the original's
 *       result nor unexpected. A result whose request id was not read but whose {@code replayOf} was (the replay was
 *       published to another topic) is noted, not counted as unexpected.</li>
 * </ul>
 */
final class Reconciliation {

    /** A request record: {@code requestId} null when the value does not decode. */
    record RequestRecord(int partition, long offset, String requestId, String replayOf) {
    }

    /** A result record: {@code requestId} and {@code status} null when the value does not decode. */
    record ResultRecord(int partition, long offset, String requestId, String status, String replayOf) {
    }

    /** A dead-letter record; the source fields are null when its headers lack them. */
    record DeadLetterRecord(int partition, long offset, String reason, String sourceTopic, Integer sourcePartition,
                            Long sourceOffset) {
    }

    static final String UNREADABLE = "UNREADABLE";

    private final String requestsTopic;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final Map<Position, RequestRecord> requests = new HashMap<>();
    private final Map<String, List<Position>> recordsById = new HashMap<>();
    private final Map<String, List<ResultRecord>> resultsById = new HashMap<>();
    private final List<ResultRecord> unreadableResults = new ArrayList<>();
    private final Map<Position, List<DeadLetterRecord>> deadLettersBySource = new HashMap<>();
    private final List<DeadLetterRecord> deadLettersWithoutSource = new ArrayList<>();
    private final Map<String, Long> resultsByStatus = new TreeMap<>();
    private final Map<String, Long> deadLettersByReason = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();
    private long undecodable;
    private long replays;
    private long results;
    private long deadLetters;

    Reconciliation(String requestsTopic, String resultsTopic, String deadLetterTopic) {
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    private record Position(int partition, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position other) {
            return Comparator.comparingInt(Position::partition).thenComparingLong(Position::offset)
                    .compare(this, other);
        }
    }

    void request(RequestRecord record) {
        Position position = new Position(record.partition(), record.offset());
        if (requests.putIfAbsent(position, record) != null) {
            return; // read twice (a second pass); the first reading counts
        }
        if (record.requestId() == null) {
            undecodable++;
        } else {
            recordsById.computeIfAbsent(record.requestId(), id -> new ArrayList<>()).add(position);
        }
        if (record.replayOf() != null) {
            replays++;
        }
    }

    void result(ResultRecord record) {
        results++;
        resultsByStatus.merge(record.requestId() == null ? UNREADABLE : record.status(), 1L, Long::sum);
        if (record.requestId() == null) {
            unreadableResults.add(record);
        } else {
            resultsById.computeIfAbsent(record.requestId(), id -> new ArrayList<>()).add(record);
        }
    }

    void deadLetter(DeadLetterRecord record) {
        deadLetters++;
        deadLettersByReason.merge(record.reason(), 1L, Long::sum);
        if (record.sourcePartition() == null || record.sourceOffset() == null
                || !requestsTopic.equals(record.sourceTopic())) {
            deadLettersWithoutSource.add(record);
        } else {
            deadLettersBySource.computeIfAbsent(new Position(record.sourcePartition(), record.sourceOffset()),
                    p -> new ArrayList<>()).add(record);
        }
    }

    /** Something worth reporting that is not a failure. */
    void note(String note) {
        notes.add(note);
    }

    VerifyReport report() {
        List<Finding> missing = new ArrayList<>();
        List<Finding> duplicated = new ArrayList<>();
        List<Finding> unexpected = new ArrayList<>();
        List<String> lineage = new ArrayList<>();

        requests.keySet().stream().sorted().forEach(position -> {
            RequestRecord record = requests.get(position);
            if (record.requestId() == null && !deadLettersBySource.containsKey(position)) {
                missing.add(new Finding(Finding.Kind.MISSING, null, requestPosition(position),
                        "undecodable request record without a dead letter"));
            }
        });
        recordsById.forEach((id, positions) -> checkRequestId(id, positions, missing, duplicated, unexpected));
        deadLettersBySource.forEach((position, letters) -> {
            if (!requests.containsKey(position)) {
                letters.forEach(d -> unexpected.add(new Finding(Finding.Kind.UNEXPECTED, null, deadLetterPosition(d),
                        "dead letter of " + requestPosition(position) + ", which is not a request record read")));
            } else if (letters.size() > 1) {
                DeadLetterRecord last = letters.get(letters.size() - 1);
                duplicated.add(new Finding(Finding.Kind.DUPLICATED, requests.get(position).requestId(),
                        deadLetterPosition(last), letters.size() + " dead letters of " + requestPosition(position)));
            }
        });
        deadLettersWithoutSource.forEach(d -> unexpected.add(new Finding(Finding.Kind.UNEXPECTED, null,
                deadLetterPosition(d), d.sourceTopic() == null || d.sourcePartition() == null
                        || d.sourceOffset() == null ? "dead letter without execq.source.* headers"
                        : "dead letter of " + d.sourceTopic() + ", not the requests topic " + requestsTopic)));
        unreadableResults.forEach(r -> unexpected.add(new Finding(Finding.Kind.UNEXPECTED, null, resultPosition(r),
                "result record that does not decode")));
        resultsById.forEach((id, found) -> {
            if (recordsById.containsKey(id)) {
                return;
            }
            String replayOf = found.get(0).replayOf();
            if (replayOf != null && recordsById.containsKey(replayOf)) {
                lineage.add(id);
                return;
            }
            found.forEach(r -> unexpected.add(new Finding(Finding.Kind.UNEXPECTED, id, resultPosition(r),
                    "result for a request id no request record carries"
                            + (replayOf == null ? "" : " (replayOf " + replayOf + ", not read either)"))));
        });

        List<String> allNotes = new ArrayList<>(notes);
        if (!lineage.isEmpty()) {
            allNotes.add(lineage.size() + " result(s) of replays whose request record was not read, of originals "
                    + "that were (replayed to another requests topic?), e.g. " + lineage.get(0));
        }
        long unknownOriginals = requests.values().stream()
                .filter(r -> r.replayOf() != null && !recordsById.containsKey(r.replayOf())).count();
        if (unknownOriginals > 0) {
            allNotes.add(unknownOriginals + " replay(s) of a request not in " + requestsTopic
                    + " (deleted by retention?)");
        }
        Comparator<Finding> order = Comparator.comparing(Finding::position);
        missing.sort(order);
        duplicated.sort(order);
        unexpected.sort(order);
        return new VerifyReport(requestsTopic, resultsTopic, deadLetterTopic, requests.size(), undecodable, replays,
                results, deadLetters, resultsByStatus, deadLettersByReason, missing, duplicated, unexpected,
                allNotes);
    }

    /**
     * The records of one request id want one result each, except those the executor dead-lettered as undecodable
     * (it could not read them, so they get no result).
     */
    private void checkRequestId(String id, List<Position> positions, List<Finding> missing,
            List<Finding> duplicated, List<Finding> unexpected) {
        List<Position> wantResult = new ArrayList<>();
        for (Position position : positions) {
            if (!undecodableToExecutor(position)) {
                wantResult.add(position);
            }
        }
        wantResult.sort(null);
        List<ResultRecord> found = resultsById.getOrDefault(id, List.of());
        for (int i = found.size(); i < wantResult.size(); i++) {
            Position position = wantResult.get(i);
            List<DeadLetterRecord> letters = deadLettersBySource.getOrDefault(position, List.of());
            String why = letters.isEmpty() ? "no result and no dead letter"
                    : "a dead letter (" + letters.get(0).reason() + ") but no result";
            missing.add(new Finding(Finding.Kind.MISSING, id, requestPosition(position), wantResult.size() == 1 ? why
                    : why + "; " + found.size() + " result(s) for the " + wantResult.size()
                            + " records carrying this request id"));
        }
        if (found.size() > wantResult.size()) {
            ResultRecord last = found.get(found.size() - 1);
            if (wantResult.isEmpty()) {
                found.forEach(r -> unexpected.add(new Finding(Finding.Kind.UNEXPECTED, id, resultPosition(r),
                        "result for a request record the executor dead-lettered as undecodable")));
            } else {
                duplicated.add(new Finding(Finding.Kind.DUPLICATED, id, resultPosition(last), found.size()
                        + " results for " + wantResult.size() + " request record(s) (" + positionsOf(found) + ")"));
            }
        }
    }

    private boolean undecodableToExecutor(Position position) {
        return deadLettersBySource.getOrDefault(position, List.of()).stream()
                .anyMatch(d -> DeadLetterHeaders.UNDECODABLE.equals(d.reason()));
    }

    private String positionsOf(List<ResultRecord> found) {
        List<String> positions = new ArrayList<>();
        for (ResultRecord r : found) {
            positions.add(r.partition() + "@" + r.offset());
        }
        return "at " + resultsTopic + " " + String.join(", ", positions);
    }

    private String requestPosition(Position position) {
        return requestsTopic + "/" + position.partition() + "/" + position.offset();
    }

    private String resultPosition(ResultRecord record) {
        return resultsTopic + "/" + record.partition() + "/" + record.offset();
    }

    private String deadLetterPosition(DeadLetterRecord record) {
        return deadLetterTopic + "/" + record.partition() + "/" + record.offset();
    }
}
