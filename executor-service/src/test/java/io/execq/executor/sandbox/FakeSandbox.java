package io.execq.executor.sandbox;

import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** A scripted sandbox for router tests: its health and its run result are set by the test. */
class FakeSandbox implements Sandbox {

    private final Backend backend;
    volatile boolean healthy = true;
    volatile SandboxException failure;
    volatile boolean closed;

    FakeSandbox(Backend backend) {
        this.backend = backend;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public Set<Protection> protections() {
        return Set.of(Protection.OUTPUT_CAP);
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public SandboxOutcome run(SandboxSpec spec) throws SandboxException {
        if (failure != null) {
            throw failure;
        }
        Instant now = Instant.EPOCH;
        return new SandboxOutcome(OptionalInt.of(0), false, false, CapturedStream.EMPTY, CapturedStream.EMPTY, now, now,
                backend, protections(), Optional.empty());
    }

    @Override
    public void close() {
        closed = true;
    }
}
