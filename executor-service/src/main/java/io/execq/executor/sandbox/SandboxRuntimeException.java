package io.execq.executor.sandbox;

/**
 * The runtime answered but refused a step of the run (create, copy files, start, inspect), carrying the runtime's
 * own message. Retriable when the runtime reported a server-side fault (HTTP 5xx), not when it rejected the
 * request itself (4xx, e.g. an executable that does not exist in the image).
 */
public class SandboxRuntimeException extends SandboxException {

    private final String stage;
    private final boolean retriable;

    public SandboxRuntimeException(String stage, String runtimeMessage, boolean retriable, Throwable cause) {
        super(stage + " failed: " + runtimeMessage, cause);
        this.stage = stage;
        this.retriable = retriable;
    }

    /** The step that failed, e.g. {@code "create container"}. */
    public String stage() {
        return stage;
    }

    @Override
    public boolean retriable() {
        return retriable;
    }
}
