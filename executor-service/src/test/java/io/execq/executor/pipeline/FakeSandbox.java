package io.execq.executor.pipeline;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A sandbox for unit tests: exits with the first argv element parsed as a number, optionally after a gate opens;
 * {@code hold} exits 0 once {@link #holdGate} opens. */
final class FakeSandbox implements Sandbox {

    final List<SandboxSpec> runs = new ArrayList<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    /** Runs whose argv[0] is {@code hold} wait for this gate instead, then exit 0. */
    volatile CountDownLatch holdGate = new CountDownLatch(0);
    volatile SandboxException failWith;

    @Override
    public Backend backend() {
        return Backend.DOCKER;
    }

    @Override
    public Set<Protection> protections() {
        return Set.of(Protection.NETWORK_ISOLATED);
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public SandboxOutcome run(SandboxSpec spec) throws SandboxException {
        synchronized (runs) {
            runs.add(spec);
        }
        boolean hold = spec.argv().get(0).equals("hold");
        try {
            if (!(hold ? holdGate : gate).await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            throw new io.execq.executor.sandbox.SandboxInterruptedException("interrupted", e);
        }
        if (failWith != null) {
            throw failWith;
        }
        Instant now = Instant.now();
        return new SandboxOutcome(OptionalInt.of(hold ? 0 : Integer.parseInt(spec.argv().get(0))), false, false,
                CapturedStream.EMPTY, CapturedStream.EMPTY, now, now, Backend.DOCKER, protections(),
                Optional.of("sha256:fake"));
    }

    @Override
    public void close() {
    }
}
