package io.execq.sdk;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * No result arrived for a request within the time {@link ExecutionClient#execute} was given. The request may still
 * run, and its result may still be published: only the wait has ended. Resubmitting with the same request id is the
 * caller's decision.
 */
public class ExecutionTimeoutException extends TimeoutException {

    private final String requestId;
    private final Duration timeout;

    public ExecutionTimeoutException(String requestId, Duration timeout) {
        super("no result for request " + requestId + " within " + timeout);
        this.requestId = requestId;
        this.timeout = timeout;
    }

    /** The request that got no result. */
    public String requestId() {
        return requestId;
    }

    /** How long the caller waited. */
    public Duration timeout() {
        return timeout;
    }
}
