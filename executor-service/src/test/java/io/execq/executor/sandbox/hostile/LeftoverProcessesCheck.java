package io.execq.executor.sandbox.hostile;

import java.util.List;
import java.util.Set;

/** No process of the case's runs is alive once they returned (leaks are killed after being reported). */
final class LeftoverProcessesCheck implements HostCheck {

    private static final long PATIENCE_MILLIS = 3_000;

    private final CorpusBackend backend;
    private Set<HostProcess.Key> before;

    LeftoverProcessesCheck(CorpusBackend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return "processes";
    }

    @Override
    public void before() {
        before = HostProcess.keys();
    }

    @Override
    public List<String> after() throws InterruptedException {
        long deadline = System.currentTimeMillis() + PATIENCE_MILLIS;
        List<HostProcess> left = survivors();
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100); // a process killed a moment ago may not be reaped yet
            left = survivors();
        }
        left.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
        return left.stream().map(p -> "process of a run still alive after it returned: " + p).toList();
    }

    private List<HostProcess> survivors() {
        // A process of a run that existed before the case was reported (and killed) by the case that left it.
        return HostProcess.scanExcept(before).stream()
                .filter(p -> p.state() != 'Z' && backend.belongsToARun(p, before))
                .toList();
    }
}
