package io.execq.sdk.verify;

import java.util.Objects;

/**
 * One thing {@link Verifier} found wrong.
 *
 * @param kind what is wrong
 * @param requestId the request id concerned; null for a record that has none (an undecodable request, an unreadable
 *     result, a dead letter of an undecodable record)
 * @param position the record it is about, as {@code topic/partition/offset}: the request record for
 *     {@link Kind#MISSING}, the latest extra record for {@link Kind#DUPLICATED}, the stray record for
 *     {@link Kind#UNEXPECTED}
 * @param detail a one-line explanation
 */
public record Finding(Kind kind, String requestId, String position, String detail) {

    /** The three ways the exactly-one-answer promise breaks. */
    public enum Kind {
        /** A request record with neither a committed result nor a dead letter. */
        MISSING,
        /** More committed results for a request id than request records carry it, or two dead letters of one record. */
        DUPLICATED,
        /** A result or dead letter that answers no request record that was read. */
        UNEXPECTED
    }

    public Finding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(detail, "detail");
    }
}
