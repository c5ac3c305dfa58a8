package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the corpus leaves on the host for hostile programs to go after, for the whole suite (the test runs as root):
 * <ul>
 *   <li>a bait directory {@code /run/execq-hostile-<uuid>} (0755, root; on the same file system as the process
 *       sandbox's workspaces, so a hard link to it is not refused merely for crossing file systems) holding a
 *       root-only secret (0600), a world-readable but read-only file (0644), a sub-directory with a file, and a
 *       setuid-root copy of {@code id} (which prints 0 for {@code -u} if the setuid bit takes effect);</li>
 *   <li>a victim: a host process outside every sandbox running as uid 65534, the uid Docker runs programs as.</li>
 * </ul>
 * Programs find them through the environment ({@link #env()}); the checks verify afterwards that none was
 * changed, traced or killed.
 */
public final class HostBait implements AutoCloseable {

    /** The uid of the victim: the uid of every Docker run, so only namespaces keep runs away from it. */
    public static final int VICTIM_UID = 65534;

    private final Path dir;
    private final Path secret;
    private final Path publicFile;
    private final Path subdir;
    private final Path setuidId;
    private final String secretText;
    private final String publicText;
    private Process victim;

    private HostBait(Path dir) {
        this.dir = dir;
        this.secret = dir.resolve("secret");
        this.publicFile = dir.resolve("public");
        this.subdir = dir.resolve("subdir");
        this.setuidId = dir.resolve("setuid-id");
        this.secretText = "execq-canary-secret-" + UUID.randomUUID();
        this.publicText = "execq-canary-public-" + UUID.randomUUID();
    }

    public static HostBait create() throws IOException {
        HostBait bait = new HostBait(Path.of("/run", "execq-hostile-" + UUID.randomUUID()));
        bait.lay();
        bait.startVictim();
        return bait;
    }

    /** (Re)creates every bait file with its content, owner and mode. */
    void lay() throws IOException {
        Files.createDirectories(dir);
        chmod(dir, "rwxr-xr-x");
        write(secret, secretText, "rw-------");
        write(publicFile, publicText, "rw-r--r--");
        Files.createDirectories(subdir);
        chmod(subdir, "rwxr-xr-x");
        write(subdir.resolve("file"), publicText, "rw-r--r--");
        Files.copy(Path.of("/usr/bin/id"), setuidId, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setAttribute(setuidId, "unix:uid", 0);
        Files.setAttribute(setuidId, "unix:gid", 0);
        Files.setAttribute(setuidId, "unix:mode", 04755);
    }

    private static void write(Path file, String text, String mode) throws IOException {
        Files.deleteIfExists(file);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setAttribute(file, "unix:uid", 0);
        Files.setAttribute(file, "unix:gid", 0);
        chmod(file, mode);
    }

    private static void chmod(Path path, String mode) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    /** What a program is told about the bait, as environment variables. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CANARY_DIR", dir.toString());
        env.put("CANARY_SECRET", secret.toString());
        env.put("CANARY_PUBLIC", publicFile.toString());
        env.put("CANARY_SUBDIR", subdir.toString());
        env.put("SETUID_ID", setuidId.toString());
        env.put("VICTIM_PID", Long.toString(victimPid()));
        return env;
    }

    /** The root-only secret's content: no run may ever print it. */
    String secretText() {
        return secretText;
    }

    /**
     * Everything a program could change about the bait, one line per file: type, owner, mode, link count, size
     * and content (directories: their entries).
     */
    List<String> fingerprint() throws IOException {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(dir + " missing");
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode,nlink,size", LinkOption.NOFOLLOW_LINKS);
                String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.equals(setuidId)
                        ? Files.readString(p, StandardCharsets.UTF_8) : "";
                lines.add(String.format("%s uid=%s gid=%s mode=%o nlink=%s size=%s %s", dir.relativize(p), a.get("uid"),
                        a.get("gid"), (Integer) a.get("mode"), a.get("nlink"), a.get("size"), content));
            }
        }
        return lines;
    }

    long victimPid() {
        return victim.pid();
    }

    /** Replaces a victim that a case killed, so the next case has one again. */
    void restartVictimIfGone() throws IOException {
        if (!victim.isAlive()) {
            startVictim();
        }
    }

    private void startVictim() throws IOException {
        victim = new ProcessBuilder("setpriv", "--reuid", Integer.toString(VICTIM_UID), "--regid", Integer.toString(VICTIM_UID),
                "--clear-groups", "--", "sleep", "3600")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        victim.toHandle().destroyForcibly();
        victim.waitFor(5, TimeUnit.SECONDS);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
