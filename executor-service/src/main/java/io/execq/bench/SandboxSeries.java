package io.execq.bench;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import java.util.function.Supplier;

/** A sandbox called directly, as the executor's run stage calls it, without Kafka or the scheduler. */
final class SandboxSeries extends NamedSeries {

    private final Sandbox sandbox;
    private final Supplier<SandboxSpec> specs;

    SandboxSeries(String name, String description, Sandbox sandbox, Supplier<SandboxSpec> specs) {
        super(name, description);
        this.sandbox = sandbox;
        this.specs = specs;
    }

    @Override
    public void sample() throws Exception {
        SandboxOutcome outcome = sandbox.run(specs.get());
        if (!outcome.succeeded()) {
            throw new IllegalStateException(name() + " run did not succeed: exit " + outcome.exitCode()
                    + ", timedOut " + outcome.timedOut() + ", stderr " + outcome.stderr());
        }
    }

    @Override
    public void close() {
        sandbox.close();
    }
}
