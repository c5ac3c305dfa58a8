package io.execq.executor.pipeline;

import io.execq.executor.sandbox.Route;
import io.execq.schema.Isolation;

/**
 * The pipeline's narrow view of the sandboxes ({@code SandboxRouter::route} in production): where a request with this
 * isolation runs now, or why it cannot. Must be cheap: no I/O.
 */
@FunctionalInterface
public interface SandboxSelector {

    Route route(Isolation isolation);
}
