package io.execq.executor.sandbox;

/** The sandbox's runtime cannot be reached or did not answer in time (e.g. the Docker daemon is down). Retriable. */
public class SandboxUnavailableException extends SandboxException {

    public SandboxUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
