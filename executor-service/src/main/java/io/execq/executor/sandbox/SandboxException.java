package io.execq.executor.sandbox;

/**
 * An infrastructure failure of a sandbox: the run could not be carried out, through no fault of the user's code.
 * The loop catches by category: {@link #retriable()} failures may succeed later (the record is retried or waits),
 * the others become a failed result.
 */
public abstract class SandboxException extends Exception {

    protected SandboxException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether running the same spec again later may succeed without anyone changing anything. */
    public abstract boolean retriable();
}
