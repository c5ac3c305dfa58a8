package io.execq.executor.pipeline;

import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.Isolation;

/** A valid request, ready to run: the image resolved, the limits resolved and clamped, the sandbox spec built. */
public record PreparedRun(ExecutionRequest request, String image, EffectiveLimits limits, SandboxSpec spec) {

    public Isolation isolation() {
        return request.getIsolation();
    }

    public String requestId() {
        return request.getRequestId();
    }
}
