package io.execq.executor.pipeline;

import io.execq.executor.sandbox.Sandbox;
import io.execq.schema.Isolation;
import java.util.Optional;

/** The pipeline's narrow view of the sandboxes: can a request with this isolation run now, and where. */
public interface SandboxSelector {

    /** Cheap (no I/O): whether an allowed sandbox for {@code isolation} is available now. */
    boolean canRun(Isolation isolation);

    /** The sandbox to run in now, or empty when none is allowed and available. */
    Optional<Sandbox> select(Isolation isolation);
}
