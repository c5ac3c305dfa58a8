package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Host files a hostile program would change to escape or to persist are unchanged: account databases, the host
 * name, kernel knobs used by known container escapes ({@code core_pattern}, cgroup v1 {@code release_agent}s, the
 * uevent helper), and the binaries that run or wrap every sandboxed program (runc and its shim, the interpreters,
 * the util-linux wrappers of the process sandbox), which the runc CVE-2019-5736 pattern overwrites through
 * {@code /proc/self/exe}. Kernel files are compared by content, regular files by owner, mode, size, times and
 * (up to 1 MiB) content.
 */
final class HostFilesCheck implements HostCheck {

    private static final long HASHED_UP_TO = 1 << 20;
    static final List<Path> WATCHED = watched();

    private final List<Path> watched;
    private Map<Path, String> before;

    /** Watches {@link #WATCHED}. */
    HostFilesCheck() {
        this(WATCHED);
    }

    HostFilesCheck(List<Path> watched) {
        this.watched = List.copyOf(watched);
    }

    @Override
    public String name() {
        return "host-files";
    }

    @Override
    public void before() throws IOException {
        before = fingerprints();
    }

    @Override
    public List<String> after() throws IOException {
        Map<Path, String> now = fingerprints();
        List<String> out = new ArrayList<>();
        before.forEach((path, was) -> {
            if (!was.equals(now.get(path))) {
                out.add("host file " + path + " changed: was " + was + ", now " + now.get(path));
            }
        });
        return out;
    }

    private Map<Path, String> fingerprints() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path path : watched) {
            out.put(path, fingerprint(path));
        }
        return out;
    }

    private static String fingerprint(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return "absent";
        }
        if (path.startsWith("/proc") || path.startsWith("/sys")) {
            return "'" + Files.readString(path, StandardCharsets.UTF_8).trim() + "'";
        }
        Map<String, Object> a = Files.readAttributes(path, "unix:uid,gid,mode,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        long size = (Long) a.get("size");
        String content = size <= HASHED_UP_TO && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                ? " sha256=" + Expectations.sha256(Files.readAllBytes(path)) : "";
        return String.format("uid=%s gid=%s mode=%o size=%d mtime=%s ctime=%s%s", a.get("uid"), a.get("gid"),
                (Integer) a.get("mode"), size, a.get("lastModifiedTime"), a.get("ctime"), content);
    }

    private static List<Path> watched() {
        List<Path> paths = new ArrayList<>(Stream.of(
                "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
                "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname", "/proc/sys/kernel/core_pattern",
                "/sys/kernel/uevent_helper", "/sys/class/net/lo/mtu",
                "/usr/bin/runc", "/usr/sbin/runc", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/docker-init",
                "/usr/bin/python3.11", "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/busybox", "/usr/bin/id",
                "/usr/bin/setpriv", "/usr/bin/unshare", "/usr/bin/prlimit", "/usr/bin/setsid", "/usr/bin/kill")
                .map(Path::of).toList());
        try (DirectoryStream<Path> hierarchies = Files.newDirectoryStream(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies) {
                paths.add(hierarchy.resolve("release_agent"));
                paths.add(hierarchy.resolve("notify_on_release"));
            }
        } catch (IOException e) {
            // No cgroup file system: nothing of it to watch.
        }
        return List.copyOf(paths);
    }
}
