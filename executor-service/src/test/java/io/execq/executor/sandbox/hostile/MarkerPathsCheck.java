package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * No host directory a program could write to holds an entry named with the case's marker afterwards: programs name
 * what they create outside their workspace {@code ...$MARKER...}, so anything found here is something a run left on
 * the host (or wrote into the host's root file system). Found entries are deleted.
 */
final class MarkerPathsCheck implements HostCheck {

    /**
     * World-writable directories (the piston persistence list), places a root-capable program would write to, and
     * the cgroup hierarchies a run could create a cgroup in.
     */
    static final List<Path> WATCHED = Stream.of("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/run", "/", "/etc",
            "/usr/local/bin", "/usr/bin", "/var/lib", "/root", "/home", "/opt", "/sys/fs/cgroup/pids",
            "/sys/fs/cgroup/memory").map(Path::of).toList();
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    private final CaseRun run;

    MarkerPathsCheck(CaseRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "marker-paths";
    }

    @Override
    public void before() {
    }

    @Override
    public List<String> after() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path dir : WATCHED) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + run.marker() + "*")) {
                for (Path entry : entries) {
                    out.add("host path " + entry + " was left by a run");
                    delete(entry);
                }
            }
        }
        return out;
    }

    private static void delete(Path path) throws IOException {
        if (path.startsWith(CGROUPS)) {
            Files.delete(path); // rmdir: a cgroup's control files go with it
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
