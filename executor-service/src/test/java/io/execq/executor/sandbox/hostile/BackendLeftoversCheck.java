package io.execq.executor.sandbox.hostile;

import java.util.List;

/** Nothing the backend created for the case's runs remains: containers, volumes, workspace directories. */
final class BackendLeftoversCheck implements HostCheck {

    private final CaseRun run;

    BackendLeftoversCheck(CaseRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "workspace";
    }

    @Override
    public void before() {
    }

    @Override
    public List<String> after() throws Exception {
        return run.backend().leftovers(run.requestIds());
    }
}
