package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxLimits;
import io.execq.schema.Protection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Builds the argv that wraps a user's program in every host protection available, and states which protections
 * that argv applies. All hardening of the process sandbox's command lives here, as one argv list (never a shell
 * string built from input). With bubblewrap:
 *
 * <pre>
 * /bin/sh -c LAUNCH execq-run FILTER   fixed script: wait for the go line (the executor has moved this process
 *                                       into the run's cgroups meanwhile), open the seccomp filter on fd 3, exec:
 * setsid                                new session: the whole group can be killed at once
 * bwrap --die-with-parent --new-session --as-pid-1   {@link #namespaceInit} is the init of the pid namespace:
 *       bwrap exits only once it and, with it, every process of the namespace are gone
 *       --unshare-ipc --unshare-pid --unshare-net --unshare-uts
 *       --unshare-cgroup-try --hostname execq       own IPC (SysV, POSIX mqueues), pid, net (loopback only), UTS
 *       --ro-bind /usr /usr --symlink usr/bin /bin ...   the host's root read-only, entry by entry but for
 *                                                    /proc, /dev and /tmp ({@link HostRoot}: other runs'
 *                                                    workspaces below the host's /tmp stay out of this one)
 *       --proc /proc --dev /dev                      fresh /proc, minimal /dev
 *       --perms 1777 --size 64m --tmpfs /tmp         fresh capped tmpfs for /tmp, /var/tmp and /dev/shm (their
 *                                                    inode cap is set by the init, see {@link #namespaceInit})
 *       --bind WORKSPACE WORKSPACE --chdir WORKDIR  the run's (capped tmpfs) workspace, read-write
 *       --seccomp 3                                  the {@link SeccompFilter}
 *       --remount-ro / --                            the run's root (bwrap's tmpfs) read-only too
 * /bin/sh -c INIT execq-init            the namespace's init (root): runs the rest as pid 2, exits with its status
 * env -u PWD --                         the PWD bwrap exports (or the request's own, restored)
 * prlimit --nproc --fsize --nofile --cpu [--as] --  processes of the uid, file size, fds, CPU seconds; address
 *                                                  space only where no memory cgroup limits the run
 * setpriv --reuid UID --regid UID --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --
 * PROGRAM ARGS...
 * </pre>
 *
 * Without bubblewrap, {@code unshare --net --pid --ipc --uts --fork --kill-child --mount-proc} takes its place (no
 * private /tmp, read-only root or seccomp filter), and the launch script gives {@code unshare} a stderr of
 * {@code /dev/null} while the program gets the real one through fd 4 and a second fixed script, the namespace's
 * init, that runs the program and exits with its status: util-linux 2.38's {@code unshare} prints "sigprocmask
 * unblock failed" and exits 1 when its child dies of SIGKILL (an OOM kill), and nothing of the wrapper may reach a
 * run's output; with the script as init the child never dies of a signal and unshare passes 128+signal on.
 *
 * <p>Bubblewrap runs as root without a user namespace: {@code --unshare-all} is not used because it tries a user
 * namespace, which would map the run's uid to root outside, and {@code --disable-userns} needs one; user namespaces
 * are refused inside the run by the seccomp filter instead, and the switch to the run's own uid is {@code setpriv}'s
 * (after bubblewrap, which keeps root's capabilities for it).
 *
 * <p>UID is the run's own uid from {@link RunUsers}, so {@code --nproc} limits this run alone (RLIMIT_NPROC counts
 * every process of the real uid on the host). The environment is not set here but by the sandbox
 * ({@code ProcessBuilder#environment()} cleared first).
 */
final class ProcessCommand {

    /** The uid {@link HostCapabilities#probe()} tries {@code setpriv} with; runs get theirs from {@link RunUsers}. */
    static final String PROBE_UID = "65534";
    static final long NOFILE_LIMIT = 256;
    static final long FSIZE_LIMIT_BYTES = 64L * 1024 * 1024;
    /** Size of each private tmpfs ({@code /tmp}, {@code /var/tmp}, {@code /dev/shm}); as Docker's /tmp tmpfs. */
    static final long TMP_SIZE_BYTES = 64L * 1024 * 1024;
    /** Inodes of each private tmpfs: one per 4 KiB of its size, as the workspace tmpfs has. */
    static final long TMP_INODES = TMP_SIZE_BYTES / 4096;
    static final List<Path> PRIVATE_TMP_DIRS = List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm"));
    static final String HOSTNAME = "execq";
    static final int SECCOMP_FD = 3;
    static final int STDERR_FD = 4;
    /** The line the launch script waits for once the executor has moved it into the run's cgroups. */
    static final byte[] GO_LINE = {'\n'};
    static final String LAUNCH_NAME = "execq-run";
    /** coreutils' env, part of every Debian system (Essential), as the shell is. */
    static final Path ENV = Path.of("/usr/bin/env");

    private ProcessCommand() {
    }

    /**
     * What one run's argv wraps.
     *
     * @param uid the run's uid from {@link RunUsers}: required when the host has {@code setpriv}, unused otherwise
     *     (the program then runs as the executor's user)
     * @param workspace the run's workspace (its {@code HOME}), the same path inside the sandbox as on the host
     * @param workingDir where the program starts, inside {@code workspace}
     * @param pwd the request's own {@code PWD}, if it sets one: restored after the wrappers that set theirs
     */
    record Run(SandboxLimits limits, OptionalInt uid, Path workspace, Path workingDir, List<String> program,
               Optional<String> pwd) {
        Run {
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(uid, "uid");
            Objects.requireNonNull(workspace, "workspace");
            Objects.requireNonNull(workingDir, "workingDir");
            program = List.copyOf(program);
            Objects.requireNonNull(pwd, "pwd");
        }
    }

    /** How results name the wrapper that confined a process run. */
    static String runtime(HostCapabilities caps) {
        return caps.bwrap().isPresent() ? "bwrap" : caps.unshare().isPresent() ? "unshare" : "plain";
    }

    /** The seccomp profile results name, when the filter applies. */
    static Optional<String> seccompProfile(HostCapabilities caps) {
        return caps.seccompFilter().map(file -> SeccompFilter.NAME);
    }

    /** Whether the launch script waits for {@link #GO_LINE} on stdin: the sandbox must move it into the cgroups. */
    static boolean waitsForGo(HostCapabilities caps) {
        return caps.cgroups().any();
    }

    /** The protections {@link #argv} applies on a host with {@code caps} (plus what the sandbox always does). */
    static Set<Protection> protections(HostCapabilities caps) {
        Set<Protection> p = EnumSet.of(Protection.PRIVATE_WORKSPACE, Protection.CLEARED_ENVIRONMENT, Protection.OUTPUT_CAP);
        if (caps.setsid().isPresent() && caps.kill().isPresent()) {
            p.add(Protection.PROCESS_GROUP_KILL);
        }
        if (caps.bwrap().isPresent() || caps.unshare().isPresent()) {
            p.addAll(List.of(Protection.NETWORK_ISOLATED, Protection.PID_NAMESPACE, Protection.IPC_NAMESPACE,
                    Protection.UTS_NAMESPACE));
        }
        if (caps.bwrap().isPresent()) {
            p.addAll(List.of(Protection.PRIVATE_TMP, Protection.TMPFS_LIMIT, Protection.READ_ONLY_ROOT_FS));
        }
        if (caps.seccompFilter().isPresent()) {
            p.addAll(List.of(Protection.SECCOMP_FILTER, Protection.USER_NAMESPACES_BLOCKED));
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
        if (caps.cgroups().memory()) {
            p.add(Protection.MEMORY_LIMIT);
        }
        if (caps.cgroups().pids()) {
            p.add(Protection.PIDS_LIMIT);
        }
        if (caps.cgroups().cpu()) {
            p.add(Protection.CPU_LIMIT);
        }
        if (caps.tmpfs().isPresent()) {
            p.add(Protection.WORKSPACE_LIMIT);
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

    static List<String> argv(HostCapabilities caps, Run run) {
        return argv(caps, run, caps.bwrap().isPresent() ? HostRoot.bwrapArgs() : List.of());
    }

    /** @param root how bwrap binds the host's root ({@link HostRoot#bwrapArgs()}); unused without bwrap */
    static List<String> argv(HostCapabilities caps, Run run, List<String> root) {
        if (caps.setpriv().isPresent() && run.uid().isEmpty()) {
            throw new IllegalArgumentException("a run uid is required to switch users with " + caps.setpriv().get());
        }
        List<String> inner = new ArrayList<>();
        if (caps.bwrap().isPresent() || caps.shell().isPresent() && caps.unshare().isPresent()) {
            // bwrap and the shells export PWD; the program gets exactly the sandbox's and the request's variables.
            inner.addAll(run.pwd().isPresent() ? List.of(ENV.toString(), "PWD=" + run.pwd().get(), "--")
                    : List.of(ENV.toString(), "-u", "PWD", "--"));
        }
        caps.prlimit().ifPresent(prlimit -> inner.addAll(prlimitArgs(prlimit, run.limits(), !caps.cgroups().memory())));
        caps.setpriv().ifPresent(setpriv -> inner.addAll(List.of(setpriv.toString(),
                "--reuid", Integer.toString(run.uid().getAsInt()), "--regid", Integer.toString(run.uid().getAsInt()),
                "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--")));
        inner.addAll(run.program());

        boolean quietUnshare = caps.bwrap().isEmpty() && caps.unshare().isPresent() && caps.shell().isPresent();
        List<String> wrapped = new ArrayList<>();
        caps.setsid().ifPresent(setsid -> wrapped.add(setsid.toString()));
        if (caps.bwrap().isPresent()) {
            List<String> extra = new ArrayList<>(workspaceArgs(run.workspace(), run.workingDir()));
            caps.seccompFilter().ifPresent(f -> extra.addAll(List.of("--seccomp", Integer.toString(SECCOMP_FD))));
            List<String> program = new ArrayList<>();
            caps.shell().ifPresent(shell -> program.addAll(namespaceInit(shell, true, caps.tmpRemount())));
            program.addAll(inner);
            wrapped.addAll(bwrapProbe(caps.bwrap().get(), root, extra, program));
        } else if (caps.unshare().isPresent()) {
            List<String> program = new ArrayList<>();
            if (quietUnshare) {
                // The launch script has already moved the real stderr to fd 4 (unshare's own is /dev/null).
                program.addAll(namespaceInit(caps.shell().get(), false, Optional.empty()));
            }
            program.addAll(inner);
            wrapped.addAll(unshareArgs(caps.unshare().get(), program));
        } else {
            wrapped.addAll(inner);
        }
        if (caps.shell().isEmpty() || !(waitsForGo(caps) || caps.seccompFilter().isPresent() || quietUnshare)) {
            return List.copyOf(wrapped);
        }
        return launch(caps.shell().get(), waitsForGo(caps), caps.seccompFilter(), quietUnshare, wrapped);
    }

    /**
     * The init of the run's pid namespace, a fixed script run as root before the switch to the run's uid: it runs the
     * program (as pid 2, so that signals the program or its children send it act as on any process: {@code abort()}
     * is SIGABRT, {@code kill -TERM $$} ends it) with the real stderr back on fd 2, and exits with its status,
     * 128+signal for a signal death, which bwrap or unshare then passes on as a plain exit. When it exits the kernel
     * kills and reaps everything left in the namespace, and only then does bwrap (or unshare) exit. Its own stderr is
     * /dev/null, so dash's report of a signal death ("Aborted", "Killed") never reaches the run's output; the
     * redirection is made in a subshell, because done by the init itself dash would report on the restored stderr.
     *
     * <p>With {@code tmpRemount} it first remounts bubblewrap's private tmp dirs with an inode cap ({@link #TMP_INODES},
     * one per 4 KiB as the workspace's; bwrap 0.8's {@code --tmpfs} takes a size only), so a flood of empty files ends
     * in {@code ENOSPC} there too. It runs as root in the run's own mount namespace, before the switch to the run's
     * uid; should a remount fail (the probe saw it work), the run ends with 125 and says why on its stderr rather
     * than run without the cap.
     *
     * @param moveStderr whether the script moves the real stderr to fd {@value #STDERR_FD} itself (bwrap); the
     *     unshare launch script has done it already
     * @param tmpRemount the remount command ({@link HostCapabilities#tmpRemount}), absolute paths only
     */
    static List<String> namespaceInit(Path shell, boolean moveStderr, Optional<List<String>> tmpRemount) {
        StringBuilder script = new StringBuilder(moveStderr ? "exec " + STDERR_FD + ">&2 2>/dev/null; " : "");
        tmpRemount.ifPresent(remount -> {
            for (Path tmp : PRIVATE_TMP_DIRS) {
                script.append(String.join(" ", remount)).append(" -o remount,size=").append(TMP_SIZE_BYTES)
                        .append(",nr_inodes=").append(TMP_INODES).append(' ').append(tmp).append(" || { echo ")
                        .append("'execq-init: cannot cap the inodes of ").append(tmp).append("' >&").append(STDERR_FD)
                        .append("; exit 125; }; ");
            }
        });
        script.append("(exec \"$@\" 2>&").append(STDERR_FD).append(' ').append(STDERR_FD).append(">&-); exit $?");
        return List.of(shell.toString(), "-c", script.toString(), INIT_NAME);
    }

    /** {@code $0} of {@link #namespaceInit}, as it shows in {@code ps}. */
    static final String INIT_NAME = "execq-init";

    /** The launch script, fixed text: the filter path and the command come in as positional parameters. */
    static List<String> launch(Path shell, boolean waitForGo, Optional<Path> seccompFilter, boolean quietStderr,
                               List<String> command) {
        StringBuilder script = new StringBuilder();
        if (waitForGo) {
            script.append("IFS= read -r _ || exit 125; ");
        }
        if (seccompFilter.isPresent()) {
            script.append("f=$1; shift; ");
        }
        script.append("exec \"$@\"");
        if (seccompFilter.isPresent()) {
            script.append(' ').append(SECCOMP_FD).append("<\"$f\"");
        }
        if (quietStderr) {
            script.append(' ').append(STDERR_FD).append(">&2 2>/dev/null");
        }
        List<String> argv = new ArrayList<>(List.of(shell.toString(), "-c", script.toString(), LAUNCH_NAME));
        seccompFilter.ifPresent(f -> argv.add(f.toString()));
        argv.addAll(command);
        return List.copyOf(argv);
    }

    /** {@link #launch} for the probe: only the filter on fd 3. */
    static List<String> launchWithSeccomp(Path shell, Path seccompFilter, List<String> command) {
        return launch(shell, false, Optional.of(seccompFilter), false, command);
    }

    /** bwrap with every namespace and mount of a run but the workspace (what the probe runs with {@code true}). */
    static List<String> bwrapProbe(Path bwrap, List<String> program) {
        return bwrapProbe(bwrap, List.of(), program);
    }

    static List<String> bwrapProbe(Path bwrap, List<String> extra, List<String> program) {
        return bwrapProbe(bwrap, HostRoot.bwrapArgs(), extra, program);
    }

    /** @param root how the host's root is bound ({@link HostRoot#bwrapArgs()}) */
    static List<String> bwrapProbe(Path bwrap, List<String> root, List<String> extra, List<String> program) {
        List<String> argv = new ArrayList<>(List.of(bwrap.toString(),
                "--die-with-parent", "--new-session", "--as-pid-1",
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", HOSTNAME));
        argv.addAll(root);
        argv.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        for (Path tmp : PRIVATE_TMP_DIRS) {
            argv.addAll(List.of("--perms", "1777", "--size", Long.toString(TMP_SIZE_BYTES), "--tmpfs", tmp.toString()));
        }
        argv.addAll(extra);
        argv.addAll(HostRoot.SEAL);
        argv.add("--");
        argv.addAll(program);
        return argv;
    }

    static List<String> unshareArgs(Path unshare, List<String> program) {
        List<String> argv = new ArrayList<>(List.of(unshare.toString(),
                "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", "--"));
        argv.addAll(program);
        return argv;
    }

    /**
     * The workspace bound read-write at its own path. Where it lies inside a private tmpfs (the default base is
     * under /tmp), its parents are made there first, traversable but not listable, as on the host.
     */
    static List<String> workspaceArgs(Path workspace, Path workingDir) {
        List<String> argv = new ArrayList<>();
        for (Path tmp : PRIVATE_TMP_DIRS) {
            if (workspace.startsWith(tmp) && !workspace.equals(tmp)) {
                for (Path dir = tmp.resolve(workspace.getName(tmp.getNameCount())); !dir.equals(workspace);
                        dir = dir.resolve(workspace.getName(dir.getNameCount()))) {
                    argv.addAll(List.of("--perms", "0711", "--dir", dir.toString()));
                }
            }
        }
        argv.addAll(List.of("--bind", workspace.toString(), workspace.toString(), "--chdir", workingDir.toString()));
        return argv;
    }

    static List<String> prlimitArgs(Path prlimit, SandboxLimits limits, boolean addressSpace) {
        List<String> argv = new ArrayList<>(List.of(prlimit.toString()));
        if (addressSpace) {
            argv.add("--as=" + limits.memoryBytes());
        }
        argv.addAll(List.of("--nproc=" + limits.pids(), "--fsize=" + FSIZE_LIMIT_BYTES, "--nofile=" + NOFILE_LIMIT,
                "--cpu=" + cpuSeconds(limits), "--"));
        return argv;
    }

    /** CPU seconds: the wall-clock timeout rounded up, plus one, so the wall clock normally fires first. */
    static long cpuSeconds(SandboxLimits limits) {
        long millis = limits.timeout().toMillis();
        return (millis + 999) / 1000 + 1;
    }
}
