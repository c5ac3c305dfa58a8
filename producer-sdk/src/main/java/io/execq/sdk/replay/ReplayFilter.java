package io.execq.sdk.replay;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which dead letters a replay considers. Every criterion that is set must hold; an empty set or a null instant means
 * "any".
 *
 * @param reasons {@link DeadLetterHeaders#REASON} values to match (case-insensitive), e.g. FAILED, TIMED_OUT
 * @param since only records dead-lettered at or after this instant
 * @param until only records dead-lettered before this instant
 * @param requestIds only these original request ids
 * @param limit at most this many matching records, oldest first; 0 means no limit
 */
public record ReplayFilter(Set<String> reasons, Instant since, Instant until, Set<String> requestIds, int limit) {

    public ReplayFilter {
        reasons = Objects.requireNonNull(reasons, "reasons").stream()
                .map(r -> r.trim().toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        requestIds = Set.copyOf(Objects.requireNonNull(requestIds, "requestIds"));
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        if (since != null && until != null && !until.isAfter(since)) {
            throw new IllegalArgumentException("until (" + until + ") must be after since (" + since + ")");
        }
    }

    /** Every dead letter. */
    public static ReplayFilter all() {
        return new ReplayFilter(Set.of(), null, null, Set.of(), 0);
    }

    public ReplayFilter withReasons(Set<String> reasons) {
        return new ReplayFilter(reasons, since, until, requestIds, limit);
    }

    public ReplayFilter withRequestIds(Set<String> ids) {
        return new ReplayFilter(reasons, since, until, ids, limit);
    }

    public ReplayFilter withLimit(int max) {
        return new ReplayFilter(reasons, since, until, requestIds, max);
    }

    public ReplayFilter between(Instant from, Instant to) {
        return new ReplayFilter(reasons, from, to, requestIds, limit);
    }

    /** Whether {@code deadLetter} passes every criterion except the limit. */
    public boolean matches(DeadLetter deadLetter) {
        if (!reasons.isEmpty() && !reasons.contains(deadLetter.reason().toUpperCase(Locale.ROOT))) {
            return false;
        }
        if (!requestIds.isEmpty()
                && (deadLetter.requestId() == null || !requestIds.contains(deadLetter.requestId()))) {
            return false;
        }
        if (since != null && (deadLetter.failedAt() == null || deadLetter.failedAt().isBefore(since))) {
            return false;
        }
        return until == null || (deadLetter.failedAt() != null && deadLetter.failedAt().isBefore(until));
    }
}
