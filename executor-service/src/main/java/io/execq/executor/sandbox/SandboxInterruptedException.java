package io.execq.executor.sandbox;

/**
 * The calling thread was interrupted while a run was in progress (the executor is shutting down or the run was
 * cancelled). The run's resources were removed before this was thrown and the thread's interrupt flag is set
 * again. Retriable: the run did not complete, so it may run again elsewhere.
 */
public class SandboxInterruptedException extends SandboxException {

    public SandboxInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
