package io.execq.sdk.replay;

import java.util.Objects;

/**
 * What a replay did with one matching dead letter.
 *
 * @param deadLetter the record
 * @param action what happened to it
 * @param newRequestId the id of the replayed request: published now ({@link Action#REPLAYED}), planned
 *     ({@link Action#WOULD_REPLAY}), or published by an earlier replay ({@link Action#ALREADY_REPLAYED}); null otherwise
 * @param note why it was not replayed; empty otherwise
 */
public record ReplayOutcome(DeadLetter deadLetter, Action action, String newRequestId, String note) {

    /** The fate of one dead letter in a replay. */
    public enum Action {
        /** Re-published in this run's transaction, which committed. */
        REPLAYED,
        /** A dry run: would have been re-published. */
        WOULD_REPLAY,
        /** An earlier replay re-published it; replaying the same failure twice is refused. */
        ALREADY_REPLAYED,
        /** Undecodable, or a request that no longer passes validation: listed, never replayed. */
        NOT_REPLAYABLE
    }

    public ReplayOutcome {
        Objects.requireNonNull(deadLetter, "deadLetter");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(note, "note");
    }
}
