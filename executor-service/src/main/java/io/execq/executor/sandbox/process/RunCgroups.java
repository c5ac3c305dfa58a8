package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.SandboxLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the process sandbox may create a cgroup per run (cgroup v1: {@code memory}, {@code pids}, {@code cpu}),
 * and the runs' cgroups themselves.
 *
 * <p>Run cgroups live under the executor's own cgroup of each hierarchy, in a sub-directory {@value #PARENT}
 * ({@code /sys/fs/cgroup/memory/<the executor's memory cgroup>/execq/run-<uid>}), so a run is accounted inside
 * whatever confines the executor and never escapes it. A controller whose directory cannot be created (read-only
 * cgroupfs in a container, not root, cgroup v2 only) is simply absent, and the sandbox claims less.
 *
 * <p>Memory: {@code memory.limit_in_bytes} and, where swap is accounted, {@code memory.memsw.limit_in_bytes} are
 * both the run's limit (no swap). A run that exceeds it is killed by the kernel's OOM killer, and the cgroup's own
 * {@code oom_kill} counter ({@code memory.oom_control}) is the witness for {@code oomKilled}: never exit code 137.
 * Pids: {@code pids.max} is the run's limit plus {@link #WRAPPER_PROCESSES}. CPU: a CFS quota of the run's CPUs.
 */
final class RunCgroups {

    static final String PARENT = "execq";
    static final long CFS_PERIOD_US = 100_000;
    /** Processes of the wrapper that live in the run's cgroup beside the program's (bwrap and its pid-1 reaper). */
    static final int WRAPPER_PROCESSES = 2;
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private final Optional<Path> memory;
    private final Optional<Path> pids;
    private final Optional<Path> cpu;

    /** @param memory etc.: the directory run cgroups of that controller are created in, when allowed */
    RunCgroups(Optional<Path> memory, Optional<Path> pids, Optional<Path> cpu) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.pids = Objects.requireNonNull(pids, "pids");
        this.cpu = Objects.requireNonNull(cpu, "cpu");
    }

    /** The controllers of this host whose run cgroups the executor can create and remove (tried once each). */
    static RunCgroups probe() {
        return new RunCgroups(usable("memory"), usable("pids"), usable("cpu"));
    }

    boolean memory() {
        return memory.isPresent();
    }

    boolean pids() {
        return pids.isPresent();
    }

    boolean cpu() {
        return cpu.isPresent();
    }

    /** The directories run cgroups are created in, one per available controller. */
    List<Path> parents() {
        List<Path> parents = new ArrayList<>();
        memory.ifPresent(parents::add);
        pids.ifPresent(parents::add);
        cpu.ifPresent(parents::add);
        return parents;
    }

    boolean any() {
        return memory() || pids() || cpu();
    }

    /**
     * Creates the cgroups of one run and sets their limits. A leftover of the same name (an executor that died
     * while running a run of the same uid) is removed first.
     */
    Run create(String name, SandboxLimits limits) throws IOException {
        List<Path> created = new ArrayList<>();
        try {
            Optional<Path> mem = make(memory, name, created);
            Optional<Path> pid = make(pids, name, created);
            Optional<Path> cp = make(cpu, name, created);
            if (mem.isPresent()) {
                write(mem.get().resolve("memory.limit_in_bytes"), limits.memoryBytes());
                Path memsw = mem.get().resolve("memory.memsw.limit_in_bytes");
                if (Files.exists(memsw)) {
                    write(memsw, limits.memoryBytes());
                }
            }
            if (pid.isPresent()) {
                write(pid.get().resolve("pids.max"), (long) limits.pids() + WRAPPER_PROCESSES);
            }
            if (cp.isPresent()) {
                write(cp.get().resolve("cpu.cfs_period_us"), CFS_PERIOD_US);
                write(cp.get().resolve("cpu.cfs_quota_us"), limits.milliCpus() * CFS_PERIOD_US / 1000);
            }
            return new Run(mem, List.copyOf(created));
        } catch (IOException | RuntimeException e) {
            removeAll(created);
            throw e;
        }
    }

    /** The cgroups of one run. */
    static final class Run implements AutoCloseable {
        private final Optional<Path> memory;
        private final List<Path> dirs;

        private Run(Optional<Path> memory, List<Path> dirs) {
            this.memory = memory;
            this.dirs = dirs;
        }

        /** Moves process {@code pid} (and so everything it starts from now on) into every cgroup of the run. */
        void join(long pid) throws IOException {
            for (Path dir : dirs) {
                Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
            }
        }

        /** Whether the kernel's OOM killer killed a process of this run ({@code oom_kill} of memory.oom_control). */
        boolean oomKilled() throws IOException {
            if (memory.isEmpty()) {
                return false;
            }
            return Files.readAllLines(memory.get().resolve("memory.oom_control")).stream()
                    .filter(line -> line.startsWith("oom_kill "))
                    .mapToLong(line -> Long.parseLong(line.substring("oom_kill ".length()).trim()))
                    .anyMatch(kills -> kills > 0);
        }

        /**
         * Removes the cgroups; every process of the run must be gone. The caller's interrupt status is kept but does
         * not cut the clean-up short.
         */
        @Override
        public void close() throws IOException {
            boolean interrupted = Thread.interrupted();
            try {
                removeAll(dirs);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        List<Path> dirs() {
            return dirs;
        }
    }

    /** Names of the run cgroups present under any controller ({@code run-<uid>}), whoever created them. */
    java.util.Set<String> present() throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Path parent : parents()) {
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (java.util.stream.Stream<Path> children = Files.list(parent)) {
                children.filter(Files::isDirectory).map(dir -> dir.getFileName().toString())
                        .filter(name -> name.startsWith("run-")).forEach(names::add);
            }
        }
        return names;
    }

    /** Removes the cgroups named {@code name} under every controller; every process in them must be gone. */
    void remove(String name) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Path parent : parents()) {
            dirs.add(parent.resolve(name));
        }
        removeAll(dirs);
    }

    private static Optional<Path> make(Optional<Path> parent, String name, List<Path> created) throws IOException {
        if (parent.isEmpty()) {
            return Optional.empty();
        }
        Files.createDirectories(parent.get());
        Path dir = parent.get().resolve(name);
        remove(dir); // a leftover of a dead executor that ran this uid
        Files.createDirectory(dir);
        created.add(dir);
        return Optional.of(dir);
    }

    private static void write(Path file, long value) throws IOException {
        Files.writeString(file, Long.toString(value));
    }

    private static void removeAll(List<Path> dirs) throws IOException {
        IOException first = null;
        for (Path dir : dirs) {
            try {
                remove(dir);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * rmdir of a cgroup; retried briefly, because the last killed task may still be leaving it when the uid's
     * processes have just been reaped.
     */
    private static void remove(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                if (attempt >= 50) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * {@code <v1 mount of controller>/<this process's cgroup of it>/execq}, if it can be created and a child of it
     * created and removed.
     */
    private static Optional<Path> usable(String controller) {
        try {
            Optional<Path> mount = Optional.of(CGROUP_ROOT.resolve(controller))
                    .filter(p -> Files.isRegularFile(p.resolve("cgroup.procs")));
            Optional<String> own = ownCgroup(controller);
            if (mount.isEmpty() || own.isEmpty()) {
                return Optional.empty();
            }
            Path ownDir = mount.get().resolve(own.get().substring(1));
            if (!Files.isDirectory(ownDir)) {
                return Optional.empty(); // the hierarchy is mounted at another root (a container's view): unsure
            }
            Path parent = ownDir.resolve(PARENT);
            Files.createDirectories(parent);
            Path probe = parent.resolve("probe-" + ProcessHandle.current().pid());
            remove(probe);
            Files.createDirectory(probe);
            remove(probe);
            return Optional.of(parent);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** This process's cgroup path in the v1 hierarchy of {@code controller}, from /proc/self/cgroup. */
    private static Optional<String> ownCgroup(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && List.of(fields[1].split(",")).contains(controller) && fields[2].startsWith("/")) {
                return Optional.of(fields[2]);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "RunCgroups[memory=" + memory + ", pids=" + pids + ", cpu=" + cpu + "]";
    }
}
