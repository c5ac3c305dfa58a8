package io.execq.sdk.replay;

import io.execq.schema.ExecutionRequest;
import io.execq.sdk.ExecutionRequests;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Derives the request that replays a dead-lettered one. */
final class ReplayRequests {

    private ReplayRequests() {
    }

    /**
     * A copy of {@code original} with a new id, {@code attempt + 1}, {@code replayOf} = the original id and
     * {@code submittedAt} = now. A deadline keeps its original distance from submission, so that an EXPIRED request
     * gets the same queueing allowance again instead of expiring at once.
     *
     * @throws IllegalArgumentException if the copy breaks a validation rule of {@link ExecutionRequests#validate}
     */
    static ExecutionRequest replay(ExecutionRequest original, String newRequestId, Instant now) {
        Instant submittedAt = now.truncatedTo(ChronoUnit.MILLIS);
        Instant deadline = null;
        if (original.getDeadline() != null) {
            Duration allowance = Duration.between(original.getSubmittedAt(), original.getDeadline());
            deadline = submittedAt.plus(allowance.isNegative() || allowance.isZero()
                    ? Duration.ofMillis(1) : allowance);
        }
        ExecutionRequest copy = ExecutionRequest.newBuilder(original)
                .setRequestId(newRequestId)
                .setSubmittedAt(submittedAt)
                .setDeadline(deadline)
                .setAttempt(original.getAttempt() + 1)
                .setReplayOf(original.getRequestId())
                .build();
        return ExecutionRequests.validate(copy);
    }
}
