package io.execq.sdk;

import io.execq.schema.ExecutionResult;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ExecutionClient#cancel(String, java.time.Duration)} found out. A cancellation is never an error: for an
 * unknown or finished request it is a no-op, and the outcome says so.
 *
 * @param requestId the request that was cancelled
 * @param status what became of it
 * @param result the request's result when one was found ({@code CANCELLED} or {@code ALREADY_FINISHED})
 */
public record CancelOutcome(String requestId, Status status, Optional<ExecutionResult> result) {

    /** What became of a cancelled request, as far as the results topic shows within the wait. */
    public enum Status {
        /** The cancellation took effect: the request's result has status {@code CANCELLED}. */
        CANCELLED,
        /** The request had (or got) a result with another status first; the cancellation changed nothing. */
        ALREADY_FINISHED,
        /**
         * No result for the id within the wait (or no wait was asked for): the id is unknown, or the request is still
         * queued or running somewhere and the cancellation may yet take effect (executors keep it for their
         * {@code --cancel-window}).
         */
        NO_RESULT
    }

    public CancelOutcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(result, "result");
    }
}
