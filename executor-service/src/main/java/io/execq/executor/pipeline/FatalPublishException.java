package io.execq.executor.pipeline;

/** The result producer can no longer commit (fenced, unauthorised, ...); the executor has to stop. */
public class FatalPublishException extends RuntimeException {
    public FatalPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
