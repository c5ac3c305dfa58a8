package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the host lets the process sandbox do, probed once: which util-linux tools exist, whether the executor
 * runs as root, and whether namespaces and the user switch actually work here (containers and CI runners
 * often forbid them even to root). The sandbox claims a protection only when its probe succeeded.
 *
 * @param setsid absolute path of {@code setsid}, if present
 * @param prlimit absolute path of {@code prlimit}, if present
 * @param setpriv absolute path of {@code setpriv}, if present and able to switch to the run user
 * @param unshare absolute path of {@code unshare}, if present and able to create net+pid+mount namespaces
 * @param kill absolute path of {@code kill}, used to signal the whole process group
 * @param root whether the executor runs as uid 0
 */
public record HostCapabilities(
        Optional<Path> setsid,
        Optional<Path> prlimit,
        Optional<Path> setpriv,
        Optional<Path> unshare,
        Optional<Path> kill,
        boolean root) {

    private static final List<Path> BIN_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    /** Probes this host. Takes a few tens of milliseconds: it runs {@code unshare} and {@code setpriv} once. */
    public static HostCapabilities probe() {
        boolean root = isRoot();
        Optional<Path> setpriv = find("setpriv").filter(p -> root && works(List.of(p.toString(),
                "--reuid", ProcessCommand.PROBE_UID, "--regid", ProcessCommand.PROBE_UID, "--clear-groups", "--", "true")));
        Optional<Path> unshare = find("unshare").filter(p -> root && works(List.of(p.toString(),
                "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", "true")));
        return new HostCapabilities(find("setsid"), find("prlimit"), setpriv, unshare, find("kill"), root);
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
