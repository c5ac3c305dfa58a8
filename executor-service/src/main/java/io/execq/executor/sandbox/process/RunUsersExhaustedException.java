package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxException;

/**
 * Every uid of the process sandbox's pool is taken: held by a run of this executor, locked by another executor on
 * the host, or still owning processes. Retriable: uids come back as runs end.
 */
public class RunUsersExhaustedException extends SandboxException {

    public RunUsersExhaustedException(String message) {
        super(message, null);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
