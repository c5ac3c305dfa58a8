package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host lets the process sandbox do, probed once: which tools exist, whether the executor runs as root,
 * and whether namespaces, the user switch, bubblewrap, the seccomp filter, tmpfs mounts and cgroups actually work
 * here (containers and CI runners often forbid them even to root). The sandbox claims a protection only when its
 * probe succeeded.
 *
 * @param setsid absolute path of {@code setsid}, if present
 * @param prlimit absolute path of {@code prlimit}, if present
 * @param setpriv absolute path of {@code setpriv}, if present and able to switch to the run user
 * @param unshare absolute path of {@code unshare}, if present and able to create net+pid+ipc+uts+mount namespaces;
 *     the wrapper when {@code bwrap} is absent
 * @param kill absolute path of {@code kill}, used to signal the whole process group
 * @param root whether the executor runs as uid 0
 * @param bwrap absolute path of bubblewrap, if present and able to build the sandbox {@link ProcessCommand} asks
 *     for (namespaces, read-only root, private tmpfs mounts); preferred over {@code unshare}
 * @param shell {@code /bin/sh}, for the fixed launch script that joins the run's cgroups and hands the seccomp
 *     filter to bwrap ({@link ProcessCommand})
 * @param seccompFilter the compiled {@link SeccompFilter} written to a root-only file, if bwrap loaded it in the probe
 * @param tmpfs {@code mount} and {@code umount}, if the executor may mount a tmpfs (the capped workspace)
 * @param cgroups the cgroup controllers runs may get
 * @param tmpRemount the command (a static busybox's {@code mount}, else util-linux's) with which the namespace's
 *     init remounts bubblewrap's private tmp dirs with an inode cap (bwrap's {@code --tmpfs} takes a size only), if
 *     the probe saw it work inside bwrap
 */
public record HostCapabilities(
        Optional<Path> setsid,
        Optional<Path> prlimit,
        Optional<Path> setpriv,
        Optional<Path> unshare,
        Optional<Path> kill,
        boolean root,
        Optional<Path> bwrap,
        Optional<Path> shell,
        Optional<Path> seccompFilter,
        Optional<MountTools> tmpfs,
        RunCgroups cgroups,
        Optional<List<String>> tmpRemount) {

    private static final Logger log = LoggerFactory.getLogger(HostCapabilities.class);
    private static final List<Path> BIN_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));
    private static final RunCgroups NO_CGROUPS = new RunCgroups(Optional.empty(), Optional.empty(), Optional.empty());

    /** The tools that mount and unmount a run's workspace tmpfs. */
    public record MountTools(Path mount, Path umount) {
        public MountTools {
            Objects.requireNonNull(mount, "mount");
            Objects.requireNonNull(umount, "umount");
        }
    }

    public HostCapabilities {
        Objects.requireNonNull(bwrap, "bwrap");
        Objects.requireNonNull(shell, "shell");
        Objects.requireNonNull(seccompFilter, "seccompFilter");
        Objects.requireNonNull(tmpfs, "tmpfs");
        Objects.requireNonNull(cgroups, "cgroups");
        Objects.requireNonNull(tmpRemount, "tmpRemount");
        tmpRemount = tmpRemount.map(List::copyOf);
        if (shell.isEmpty() && (seccompFilter.isPresent() || cgroups.any())) {
            throw new IllegalArgumentException("the seccomp filter and run cgroups need the launch shell");
        }
        if (seccompFilter.isPresent() && bwrap.isEmpty()) {
            throw new IllegalArgumentException("the seccomp filter is loaded by bwrap, which is absent");
        }
        if (tmpRemount.isPresent() && (bwrap.isEmpty() || shell.isEmpty())) {
            throw new IllegalArgumentException("the private tmp dirs are bwrap's, remounted by the init shell");
        }
    }

    /** The util-linux chain of before bubblewrap: no bwrap, seccomp filter, tmpfs workspace or cgroups. */
    public static HostCapabilities utilLinux(Optional<Path> setsid, Optional<Path> prlimit, Optional<Path> setpriv,
                                             Optional<Path> unshare, Optional<Path> kill, boolean root) {
        return new HostCapabilities(setsid, prlimit, setpriv, unshare, kill, root, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), NO_CGROUPS, Optional.empty());
    }

    /** These capabilities without bubblewrap (and so without its seccomp filter): the util-linux fallback. */
    public HostCapabilities withoutBwrap() {
        return new HostCapabilities(setsid, prlimit, setpriv, unshare, kill, root, Optional.empty(), shell,
                Optional.empty(), tmpfs, cgroups, Optional.empty());
    }

    /**
     * Probes this host. Takes a few hundred milliseconds at most: it runs {@code unshare}, {@code setpriv} and
     * {@code bwrap} once each and mounts and creates one tmpfs and cgroup.
     */
    public static HostCapabilities probe() {
        boolean root = isRoot();
        Optional<Path> setpriv = find("setpriv").filter(p -> root && works(List.of(p.toString(),
                "--reuid", ProcessCommand.PROBE_UID, "--regid", ProcessCommand.PROBE_UID, "--clear-groups", "--", "true")));
        Optional<Path> unshare = find("unshare").filter(p -> root
                && works(ProcessCommand.unshareArgs(p, List.of("true"))));
        Optional<Path> shell = Optional.of(Path.of("/bin/sh")).filter(Files::isExecutable);
        Optional<Path> bwrap = find("bwrap").filter(p -> root && works(ProcessCommand.bwrapProbe(p, List.of("true"))));
        Optional<Path> seccomp = bwrap.isPresent() && shell.isPresent() ? seccompFilter(bwrap.get(), shell.get())
                : Optional.empty();
        Optional<MountTools> tmpfs = root ? find("mount").flatMap(m -> find("umount").map(u -> new MountTools(m, u)))
                .filter(t -> WorkspaceTmpfs.works(t.mount(), t.umount())) : Optional.empty();
        RunCgroups cgroups = root && shell.isPresent() ? RunCgroups.probe() : NO_CGROUPS;
        Optional<List<String>> tmpRemount = bwrap.isPresent() && shell.isPresent()
                ? tmpRemount(bwrap.get(), shell.get(), tmpfs.map(MountTools::mount)) : Optional.empty();
        HostCapabilities caps = new HostCapabilities(find("setsid"), find("prlimit"), setpriv, unshare, find("kill"),
                root, bwrap, shell, seccomp, tmpfs, cgroups, tmpRemount);
        log.info("Process sandbox host capabilities: {}", caps);
        return caps;
    }

    /**
     * How the init remounts the private tmp dirs with an inode cap: Debian's static busybox ({@code busybox-static},
     * an exec of well under a millisecond) if it does so inside bwrap, else util-linux's {@code mount} (about 3 ms
     * an exec here, three per run), else nothing.
     */
    private static Optional<List<String>> tmpRemount(Path bwrap, Path shell, Optional<Path> mount) {
        List<List<String>> candidates = new java.util.ArrayList<>();
        Path busybox = Path.of("/bin/busybox");
        if (Files.isExecutable(busybox)) {
            candidates.add(List.of(busybox.toString(), "mount"));
        }
        mount.ifPresent(m -> candidates.add(List.of(m.toString())));
        return candidates.stream().filter(remount -> {
            List<String> init = new java.util.ArrayList<>(ProcessCommand.namespaceInit(shell, true,
                    Optional.of(remount)));
            init.add("true");
            return works(ProcessCommand.bwrapProbe(bwrap, init));
        }).findFirst();
    }

    /** The filter written to a fresh root-only file, if bwrap loads it; the file lives as long as the JVM. */
    private static Optional<Path> seccompFilter(Path bwrap, Path shell) {
        Optional<byte[]> program = SeccompFilter.forHost();
        if (program.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path dir = Files.createTempDirectory("execq-seccomp-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = Files.write(dir.resolve(SeccompFilter.NAME + ".bpf"), program.get());
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            List<String> argv = ProcessCommand.launchWithSeccomp(shell, file, ProcessCommand.bwrapProbe(bwrap,
                    List.of("--seccomp", Integer.toString(ProcessCommand.SECCOMP_FD)), List.of("true")));
            if (works(argv)) {
                return Optional.of(file);
            }
            Files.delete(file);
            Files.delete(dir);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> find(String tool) {
        return BIN_DIRS.stream().map(dir -> dir.resolve(tool)).filter(Files::isExecutable).findFirst();
    }

    private static boolean works(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("Uid:"))
                    .findFirst()
                    .map(line -> line.split("\\s+")[1].equals("0"))
                    .orElse(false);
        } catch (IOException e) {
            return false;
        }
    }
}
