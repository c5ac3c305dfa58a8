package io.execq.executor.sandbox;

import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.util.Set;

/** Decorates the Docker sandbox so that every run's infrastructure failure (or success) reaches {@link DockerHealth}. */
final class HealthRecordingSandbox implements Sandbox {

    private final Sandbox delegate;
    private final DockerHealth health;

    HealthRecordingSandbox(Sandbox delegate, DockerHealth health) {
        this.delegate = delegate;
        this.health = health;
    }

    @Override
    public Backend backend() {
        return delegate.backend();
    }

    @Override
    public Set<Protection> protections() {
        return delegate.protections();
    }

    @Override
    public boolean healthy() {
        return delegate.healthy();
    }

    @Override
    public SandboxOutcome run(SandboxSpec spec) throws SandboxException {
        return run(spec, RunControl.none());
    }

    @Override
    public SandboxOutcome run(SandboxSpec spec, RunControl control) throws SandboxException {
        try {
            SandboxOutcome outcome = delegate.run(spec, control);
            health.recordRun(null);
            return outcome;
        } catch (SandboxException e) {
            health.recordRun(e);
            throw e;
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
