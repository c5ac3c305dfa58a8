package io.execq.executor.sandbox.hostile;

import java.util.List;

/** The sandbox still reports itself healthy after the case. */
final class SandboxHealthCheck implements HostCheck {

    private final CorpusBackend backend;

    SandboxHealthCheck(CorpusBackend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return "sandbox-healthy";
    }

    @Override
    public void before() {
    }

    @Override
    public List<String> after() {
        return backend.sandbox().healthy() ? List.of() : List.of("the sandbox reports itself unhealthy after the case");
    }
}
