package io.execq.executor.sandbox.hostile;

import java.util.List;
import java.util.Set;

/** The host checks run around every case, in the order they look, and the names case files may use. */
final class HostChecks {

    /**
     * Every name a case file may list in {@code host-checks} or {@code exception}: the host checks below, plus
     * {@code sandbox-still-runs} (a trivial run after the case must succeed; only where listed), {@code disclosure}
     * (no output holds a secret of the host or of another run) and {@code outcome} (the case's expectations).
     */
    static final Set<String> NAMES = Set.of("processes", "workspace", "sysv-ipc", "keyrings", "marker-paths", "canary",
            "host-files", "listener", "victim", "clock", "sandbox-healthy", "sandbox-still-runs", "disclosure", "outcome");

    private HostChecks() {
    }

    static List<HostCheck> forCase(CaseRun run) {
        return List.of(
                new LeftoverProcessesCheck(run.backend()),
                new BackendLeftoversCheck(run),
                new SysvIpcCheck(run.backend()),
                new KeyringCheck(run.backend()),
                new MarkerPathsCheck(run),
                new CanaryCheck(run.bait()),
                new HostFilesCheck(),
                new ListenerCheck(run),
                new VictimCheck(run.bait()),
                new ClockCheck(),
                new SandboxHealthCheck(run.backend()));
    }
}
