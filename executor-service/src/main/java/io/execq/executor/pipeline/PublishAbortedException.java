package io.execq.executor.pipeline;

/** A result transaction was aborted; its records must be consumed and completed again. */
public class PublishAbortedException extends RuntimeException {
    public PublishAbortedException(String message, Throwable cause) {
        super(message, cause);
    }
}
