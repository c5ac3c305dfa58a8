package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One process of the host as {@code /proc} shows it to the test (which runs in the host's pid namespace, as root).
 *
 * @param pid host pid
 * @param startTicks start time in clock ticks after boot ({@code /proc/PID/stat} field 22): with the pid, the
 *     process's identity
 * @param uid real uid
 * @param state the {@code State:} letter (R, S, D, T, t, Z, ...)
 * @param tracerPid the pid of a process tracing it, 0 if none
 * @param dockerContainer the Docker container whose cgroup holds it, if any
 * @param command its command line, for messages
 */
public record HostProcess(long pid, long startTicks, int uid, char state, long tracerPid,
                          Optional<String> dockerContainer, String command) {

    private static final Path PROC = Path.of("/proc");
    private static final Pattern DOCKER_CGROUP = Pattern.compile("docker[/-]([0-9a-f]{64})");

    /** The identity of a process: a pid is reused, a pid with its start time is not. */
    public record Key(long pid, long startTicks) {
    }

    public Key key() {
        return new Key(pid, startTicks);
    }

    /** The identities of every process of the host (one file read per process). */
    public static Set<Key> keys() {
        Set<Key> out = new HashSet<>();
        for (Path dir : processDirs()) {
            startTicks(dir).ifPresent(ticks -> out.add(new Key(Long.parseLong(dir.getFileName().toString()), ticks)));
        }
        return out;
    }

    /**
     * Every process of the host except those in {@code known}, which are not read beyond their start time
     * (processes that exit while being read are left out).
     */
    public static List<HostProcess> scanExcept(Set<Key> known) {
        List<HostProcess> out = new ArrayList<>();
        for (Path dir : processDirs()) {
            Optional<Long> ticks = startTicks(dir);
            if (ticks.isPresent() && !known.contains(new Key(Long.parseLong(dir.getFileName().toString()), ticks.get()))) {
                read(dir).ifPresent(out::add);
            }
        }
        return out;
    }

    private static List<Path> processDirs() {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            stream.forEach(dirs::add);
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return dirs;
    }

    private static Optional<Long> startTicks(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // Field 2 (comm) may hold spaces and parentheses: count fields after its last ')'.
            return Optional.of(Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // exited while being read
        }
    }

    /** The process {@code pid} if it exists. */
    public static Optional<HostProcess> of(long pid) {
        return read(PROC.resolve(Long.toString(pid)));
    }

    private static Optional<HostProcess> read(Path dir) {
        try {
            long pid = Long.parseLong(dir.getFileName().toString());
            long startTicks = startTicks(dir).orElseThrow();
            int uid = -1;
            char state = '?';
            long tracer = 0;
            for (String line : Files.readAllLines(dir.resolve("status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.split("\\s+")[1]);
                } else if (line.startsWith("State:")) {
                    state = line.split("\\s+")[1].charAt(0);
                } else if (line.startsWith("TracerPid:")) {
                    tracer = Long.parseLong(line.split("\\s+")[1]);
                }
            }
            Matcher docker = DOCKER_CGROUP.matcher(Files.readString(dir.resolve("cgroup"), StandardCharsets.UTF_8));
            String command = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
            return Optional.of(new HostProcess(pid, startTicks, uid, state, tracer,
                    docker.find() ? Optional.of(docker.group(1)) : Optional.empty(), command));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // exited while being read
        }
    }

    /** Whether this very process (same pid and start time) is still there. */
    public boolean alive() {
        return of(pid).filter(p -> p.startTicks == startTicks && p.state != 'Z' && p.state != 'X').isPresent();
    }

    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid + " state " + state + dockerContainer.map(c -> " container " + c.substring(0, 12)).orElse("")
                + " '" + (command.length() > 80 ? command.substring(0, 80) + "..." : command) + "'";
    }
}
