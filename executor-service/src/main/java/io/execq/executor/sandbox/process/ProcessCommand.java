package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.schema.Protection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Builds the argv that wraps a user's program in every host protection available, and states which protections
 * that argv applies. All hardening of the process sandbox lives here, as one argv list (never a shell string):
 *
 * <pre>
 * setsid                                          new session: the whole group can be killed at once
 * unshare --net --pid --fork --kill-child --mount-proc --   only loopback; own pid namespace, so killing its
 *                                                 init (the user's program) kills every process in it
 * prlimit --as --nproc --fsize --nofile --cpu --  address space = memory, nproc = pids, file size, fds, CPU s
 * setpriv --reuid UID --regid UID --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --
 * PROGRAM ARGS...
 * </pre>
 *
 * UID is the run's own uid from {@link RunUsers}, so {@code --nproc} limits this run alone (RLIMIT_NPROC counts
 * every process of the real uid on the host).
 *
 * The environment is not set here but by the sandbox ({@code ProcessBuilder#environment()} cleared first).
 */
final class ProcessCommand {

    /** How results name what ran a process run: the host wrapper chain below. */
    static final String RUNTIME = "setsid+unshare+prlimit+setpriv";

    /** The uid {@link HostCapabilities#probe()} tries {@code setpriv} with; runs get theirs from {@link RunUsers}. */
    static final String PROBE_UID = "65534";
    static final long NOFILE_LIMIT = 256;
    static final long FSIZE_LIMIT_BYTES = 64L * 1024 * 1024;

    private ProcessCommand() {
    }

    /** The protections {@link #argv} applies on a host with {@code caps} (plus what the sandbox always does). */
    static Set<Protection> protections(HostCapabilities caps) {
        Set<Protection> p = EnumSet.of(Protection.PRIVATE_WORKSPACE, Protection.CLEARED_ENVIRONMENT, Protection.OUTPUT_CAP);
        if (caps.setsid().isPresent() && caps.kill().isPresent()) {
            p.add(Protection.PROCESS_GROUP_KILL);
        }
        if (caps.unshare().isPresent()) {
            p.add(Protection.NETWORK_ISOLATED);
            p.add(Protection.PID_NAMESPACE);
        }
        if (caps.prlimit().isPresent()) {
            p.add(Protection.MEMORY_LIMIT);
            p.add(Protection.CPU_TIME_LIMIT);
            p.add(Protection.FILE_SIZE_LIMIT);
            p.add(Protection.OPEN_FILES_LIMIT);
            if (caps.setpriv().isPresent() || !caps.root()) {
                p.add(Protection.PIDS_LIMIT); // RLIMIT_NPROC does not bind root
            }
        }
        if (caps.setpriv().isPresent()) {
            p.add(Protection.NON_ROOT_USER);
            p.add(Protection.NO_NEW_PRIVILEGES);
            p.add(Protection.CAPABILITIES_DROPPED);
        } else if (!caps.root()) {
            p.add(Protection.NON_ROOT_USER);
        }
        return Set.copyOf(p);
    }

    /**
     * @param runUid the run's uid from {@link RunUsers}: required when {@code caps} has {@code setpriv}, unused
     *     otherwise (the program then runs as the executor's user)
     */
    static List<String> argv(HostCapabilities caps, SandboxLimits limits, OptionalInt runUid, List<String> program) {
        if (caps.setpriv().isPresent() && runUid.isEmpty()) {
            throw new IllegalArgumentException("a run uid is required to switch users with " + caps.setpriv().get());
        }
        List<String> argv = new ArrayList<>();
        caps.setsid().ifPresent(setsid -> argv.add(setsid.toString()));
        caps.unshare().ifPresent(unshare -> argv.addAll(List.of(unshare.toString(),
                "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--")));
        caps.prlimit().ifPresent(prlimit -> argv.addAll(List.of(prlimit.toString(),
                "--as=" + limits.memoryBytes(),
                "--nproc=" + limits.pids(),
                "--fsize=" + FSIZE_LIMIT_BYTES,
                "--nofile=" + NOFILE_LIMIT,
                "--cpu=" + cpuSeconds(limits),
                "--")));
        caps.setpriv().ifPresent(setpriv -> argv.addAll(List.of(setpriv.toString(),
                "--reuid", Integer.toString(runUid.getAsInt()), "--regid", Integer.toString(runUid.getAsInt()), "--clear-groups",
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--")));
        argv.addAll(program);
        return List.copyOf(argv);
    }

    /** CPU seconds: the wall-clock timeout rounded up, plus one, so the wall clock normally fires first. */
    static long cpuSeconds(SandboxLimits limits) {
        long millis = limits.timeout().toMillis();
        return (millis + 999) / 1000 + 1;
    }
}
