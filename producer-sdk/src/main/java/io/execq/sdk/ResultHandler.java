package io.execq.sdk;

import io.execq.schema.ExecutionResult;

/**
 * Processes one result for a {@link ResultSubscriber}. Called on the subscriber's thread, one result at a time, in
 * offset order within a partition.
 *
 * <p>Delivery is at least once: after a crash, a rebalance that interrupted a commit, or a handler failure, a result
 * may be handled again. Make the handler idempotent, for instance keyed by {@link ExecutionResult#getRequestId()}.
 */
@FunctionalInterface
public interface ResultHandler {

    /**
     * Handles {@code result}. Throwing stops the subscriber; see {@link ResultSubscriber}.
     *
     * @throws Exception to stop the subscriber without committing this result
     */
    void handle(ExecutionResult result) throws Exception;
}
