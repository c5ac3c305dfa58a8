package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's root as a bubblewrap run sees it: every entry of {@code /} bound read-only on its own ({@code --ro-bind
 * /usr /usr}, {@code --symlink usr/bin /bin}, ...) except those the sandbox replaces ({@code /proc}, {@code /dev},
 * {@code /tmp}). The root those land in is bubblewrap's own tmpfs; {@link #SEAL} (the last mount operation of
 * the run) makes it read-only as well.
 *
 * <p>Why not {@code --ro-bind / /}: that recursive bind copies every mount of the host, the workspaces of the other
 * runs under {@code /tmp} included, and bubblewrap 0.8 then remounts each copy read-only one by one. A run that
 * ends meanwhile unmounts and removes its workspace, which detaches the copies in every namespace, and bubblewrap
 * dies with "Can't bind mount /oldroot/ on /newroot/: Unable to apply mount flags: remount ...: Invalid argument"
 * (containers/bubblewrap#650). Under a few dozen concurrent runs one start in twelve failed that way. Leaving
 * {@code /tmp} out (the run gets a private one anyway) keeps the workspaces, which live below it by default, out of
 * every other run's namespace: nothing is copied, so nothing can vanish, and a run cannot even see that other
 * workspaces exist. Mounts elsewhere that change while a run starts (Docker's, a workspace base outside
 * {@code /tmp}) can still race; {@link ProcessSandbox} starts such a run again.
 *
 * <p>The listing is taken per run, so an entry added to {@code /} later is seen by the next run.
 */
final class HostRoot {

    private static final Logger log = LoggerFactory.getLogger(HostRoot.class);
    /** Entries of {@code /} the sandbox mounts afresh (procfs, a minimal /dev, a private tmpfs). */
    static final Set<String> REPLACED = Set.of("proc", "dev", "tmp");
    /** Remounts the run's root read-only; after every other mount, which may need a mount point made in it. */
    static final List<String> SEAL = List.of("--remount-ro", "/");

    private HostRoot() {
    }

    /** The bubblewrap arguments that rebuild {@code /} of this host read-only, without its replaced entries. */
    static List<String> bwrapArgs() {
        return bwrapArgs(Path.of("/"));
    }

    /**
     * As {@link #bwrapArgs()} for the entries of {@code root} (a test's stand-in for {@code /}), in name order; an
     * entry that is neither a directory, a regular file nor a symbolic link (a socket, a device) is left out.
     * Should {@code root} not be listable, the whole root is bound as one.
     */
    static List<String> bwrapArgs(Path root) {
        List<String> argv = new ArrayList<>();
        for (String name : names(root)) {
            Path entry = root.resolve(name);
            String target = "/" + name;
            try {
                if (Files.isSymbolicLink(entry)) {
                    argv.addAll(List.of("--symlink", Files.readSymbolicLink(entry).toString(), target));
                } else if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        || Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    argv.addAll(List.of("--ro-bind", entry.toString(), target));
                }
            } catch (IOException e) {
                log.warn("cannot read the link {} of the host's root; runs will not see it: {}", entry, e.toString());
            }
        }
        return argv.isEmpty() ? List.of("--ro-bind", root.toString(), "/") : List.copyOf(argv);
    }

    private static Set<String> names(Path root) {
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!REPLACED.contains(name)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list the host's root {}; binding it whole: {}", root, e.toString());
            return Set.of();
        }
        return names;
    }
}
