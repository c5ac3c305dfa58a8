package io.execq.executor.pipeline;

/** A request that must not run; the message becomes the {@code REJECTED} result's error. */
public class RequestRejectedException extends Exception {
    public RequestRejectedException(String message) {
        super(message);
    }
}
