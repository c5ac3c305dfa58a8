package io.execq.sdk.verify;

import java.util.List;
import java.util.Map;

/**
 * What {@link Verifier} read and found. {@link #clean()} is the verdict: every request record read has exactly one
 * answer (a committed result, or a dead letter for a record that never decoded), and every result and dead letter
 * answers a request record.
 *
 * @param requestsTopic the requests topic read
 * @param resultsTopic the results topic read
 * @param deadLetterTopic the dead-letter topic read
 * @param requestRecords request records read (committed ones only)
 * @param undecodableRequests of those, records whose value is not a readable request (matched by position)
 * @param replays of those, requests that replay another one ({@code replayOf} set)
 * @param results committed result records read
 * @param deadLetters committed dead-letter records read
 * @param resultsByStatus result records per status name ({@code UNREADABLE} for values that do not decode)
 * @param deadLettersByReason dead-letter records per {@code execq.dlt.reason}
 * @param missing request records without an answer
 * @param duplicated request ids with more results than request records, and records with more than one dead letter
 * @param unexpected results and dead letters that answer no request record read
 * @param notes things worth knowing that are not failures (replay lineage that could not be followed, a requests
 *     topic whose oldest records were deleted by retention)
 */
public record VerifyReport(
        String requestsTopic,
        String resultsTopic,
        String deadLetterTopic,
        long requestRecords,
        long undecodableRequests,
        long replays,
        long results,
        long deadLetters,
        Map<String, Long> resultsByStatus,
        Map<String, Long> deadLettersByReason,
        List<Finding> missing,
        List<Finding> duplicated,
        List<Finding> unexpected,
        List<String> notes) {

    public VerifyReport {
        resultsByStatus = Map.copyOf(resultsByStatus);
        deadLettersByReason = Map.copyOf(deadLettersByReason);
        missing = List.copyOf(missing);
        duplicated = List.copyOf(duplicated);
        unexpected = List.copyOf(unexpected);
        notes = List.copyOf(notes);
    }

    /** True when nothing is missing, duplicated or unexpected. */
    public boolean clean() {
        return missing.isEmpty() && duplicated.isEmpty() && unexpected.isEmpty();
    }

    /** One line: the counts that decide {@link #clean()}. */
    public String summary() {
        return String.format("%d request record(s), %d result(s), %d dead letter(s): %d missing, %d duplicated, "
                        + "%d unexpected", requestRecords, results, deadLetters, missing.size(), duplicated.size(),
                unexpected.size());
    }
}
