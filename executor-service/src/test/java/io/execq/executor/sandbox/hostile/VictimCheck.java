package io.execq.executor.sandbox.hostile;

import java.util.ArrayList;
import java.util.List;

/**
 * The host victim process (uid 65534, outside every sandbox) is alive, the same process as before, not stopped and
 * not traced: no run could signal or ptrace a process it does not own. A stopped victim is killed; the runner
 * replaces a dead one before the next case ({@link HostBait#restartVictimIfGone}).
 */
final class VictimCheck implements HostCheck {

    private final HostBait bait;
    private HostProcess before;

    VictimCheck(HostBait bait) {
        this.bait = bait;
    }

    @Override
    public String name() {
        return "victim";
    }

    @Override
    public void before() {
        before = HostProcess.of(bait.victimPid()).orElseThrow(() -> new IllegalStateException("no victim process"));
    }

    @Override
    public List<String> after() {
        List<String> out = new ArrayList<>();
        HostProcess now = HostProcess.of(before.pid()).filter(p -> p.startTicks() == before.startTicks()).orElse(null);
        if (now == null || !before.alive()) {
            out.add("the host victim process " + before.pid() + " (uid " + HostBait.VICTIM_UID + ") was killed");
        } else {
            if (now.tracerPid() != 0) {
                out.add("the host victim process " + now.pid() + " is traced by pid " + now.tracerPid());
            }
            if (now.state() == 'T' || now.state() == 't') {
                out.add("the host victim process " + now.pid() + " was stopped");
                ProcessHandle.of(now.pid()).ifPresent(ProcessHandle::destroyForcibly); // restarted by the next before()
            }
        }
        return out;
    }
}
