package io.execq.bench;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import java.util.function.Supplier;

/** A sandbox called directly, as the executor's run stage calls it, without Kafka or the scheduler. */
final class SandboxSeries implements Series {

    private final String name;
    private final String description;
    private final Sandbox sandbox;
    private final Supplier<SandboxSpec> specs;

    SandboxSeries(String name, String description, Sandbox sandbox, Supplier<SandboxSpec> specs) {
        this.name = name;
        this.description = description;
        this.sandbox = sandbox;
        this.specs = specs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void sample() throws Exception {
        SandboxOutcome outcome = sandbox.run(specs.get());
        if (!outcome.succeeded()) {
            throw new IllegalStateException(name + " run did not succeed: exit " + outcome.exitCode()
                    + ", timedOut " + outcome.timedOut() + ", stderr " + outcome.stderr());
        }
    }

    @Override
    public void close() {
        sandbox.close();
    }
}
