package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the runs of an executor that died ({@code kill -9}, OOM kill) left on the host: their cgroups ({@code
 * run-<uid>} under each controller) and workspace tmpfs mounts ({@code execq-ws-<uid>}). The programs themselves
 * die with the executor (bubblewrap and the namespace's init have {@code --die-with-parent}); any process of the uid
 * still found (a host without bubblewrap) is killed here too. Each leftover is found by the run uid in its name; a
 * uid of this pool's range whose lock no live process holds ({@link RunUsers#tryTakeAbandoned}) belongs to a dead
 * executor, so its processes are killed, its mounts detached and its cgroups removed. A live executor's runs hold
 * their locks and are never touched.
 *
 * <p>Swept when a process sandbox starts (a restarted executor cleans up after its previous life at once) and
 * periodically by every live executor on the host.
 */
final class AbandonedRuns {

    private static final Logger log = LoggerFactory.getLogger(AbandonedRuns.class);
    private static final Duration KILL_PATIENCE = Duration.ofSeconds(10);

    private final RunUsers users;
    private final RunCgroups cgroups;
    private final Optional<WorkspaceTmpfs> tmpfs;
    private final Path setpriv;

    AbandonedRuns(RunUsers users, RunCgroups cgroups, Optional<WorkspaceTmpfs> tmpfs, Path setpriv) {
        this.users = Objects.requireNonNull(users, "users");
        this.cgroups = Objects.requireNonNull(cgroups, "cgroups");
        this.tmpfs = Objects.requireNonNull(tmpfs, "tmpfs");
        this.setpriv = Objects.requireNonNull(setpriv, "setpriv");
    }

    /**
     * Removes what abandoned runs of the pool's uids left; best effort: what cannot be removed now is logged and
     * tried again by the uid's next run.
     *
     * @return how many abandoned runs were cleaned up
     */
    int sweep() {
        int swept = 0;
        for (int uid : candidates()) {
            try {
                if (!users.tryTakeAbandoned(uid)) {
                    continue; // a live run, here or in another executor
                }
            } catch (SandboxException e) {
                log.warn("cannot lock run uid {} to sweep what a dead executor left: {}", uid, e.getMessage());
                continue;
            }
            try {
                if (!ProcessTree.killUser(setpriv, uid, KILL_PATIENCE, ProcUids::hasProcesses)) {
                    log.error("processes of abandoned run uid {} survived {} of SIGKILL: {}", uid, KILL_PATIENCE,
                            ProcUids.pidsOf(u -> u == uid));
                    continue;
                }
                tmpfs.ifPresent(t -> t.sweep(uid));
                cgroups.remove("run-" + uid);
                swept++;
            } catch (IOException e) {
                log.warn("cannot remove the cgroups of abandoned run uid {}: {}", uid, e.toString());
            } finally {
                users.release(uid);
            }
        }
        if (swept > 0) {
            log.info("removed the cgroups and workspace mounts of {} run(s) of an executor that died", swept);
        }
        return swept;
    }

    /** Uids of the pool's range that have a run cgroup or a workspace mount. */
    private Set<Integer> candidates() {
        Set<Integer> uids = new TreeSet<>();
        try {
            for (String name : cgroups.present()) {
                String digits = name.substring("run-".length());
                if (digits.matches("\\d{1,10}") && Long.parseLong(digits) <= Integer.MAX_VALUE) {
                    uids.add(Integer.parseInt(digits));
                }
            }
        } catch (IOException e) {
            log.warn("cannot list run cgroups: {}", e.toString());
        }
        if (tmpfs.isPresent()) {
            uids.addAll(WorkspaceTmpfs.mountedUids());
        }
        uids.removeIf(uid -> !users.contains(uid));
        return uids;
    }
}
