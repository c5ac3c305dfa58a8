package io.execq.executor.pipeline;

import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.Isolation;

/** A valid request, ready to run: the image resolved, the limits resolved and clamped, the sandbox spec built. */
public record PreparedRun(ExecutionRequest request, String image, EffectiveLimits limits, SandboxSpec spec) {

    /**
     * Where it may run: the request's isolation, except that a run on the bridge network never falls back to the
     * process sandbox, which gives loopback only.
     */
    public Isolation isolation() {
        return spec.network() == io.execq.schema.Network.BRIDGE ? Isolation.CONTAINER : request.getIsolation();
    }

    public String requestId() {
        return request.getRequestId();
    }
}
