package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a finished process run must not leave on the host besides processes and workspace directories. */
final class ProcessSandboxLeftovers {

    private ProcessSandboxLeftovers() {
    }

    /** No run cgroup of a pool uid under any controller, and no workspace tmpfs of a pool uid still mounted. */
    static void assertNoCgroupOrWorkspaceMountOf(HostCapabilities caps, RunUsers users) throws IOException {
        List<Path> cgroups = new ArrayList<>();
        for (Path parent : caps.cgroups().parents()) {
            if (Files.isDirectory(parent)) {
                try (Stream<Path> children = Files.list(parent)) {
                    children.filter(Files::isDirectory)
                            .filter(dir -> isRunOf(dir.getFileName().toString(), users))
                            .forEach(cgroups::add);
                }
            }
        }
        assertThat(cgroups).as("cgroups of finished runs").isEmpty();
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(" - tmpfs " + WorkspaceTmpfs.SOURCE + "-"))
                .filter(line -> users.contains(Integer.parseInt(
                        line.substring(line.indexOf(" - tmpfs " + WorkspaceTmpfs.SOURCE + "-")
                                + (" - tmpfs " + WorkspaceTmpfs.SOURCE + "-").length()).split(" ")[0])))
                .toList();
        assertThat(mounts).as("workspace tmpfs mounts of finished runs").isEmpty();
    }

    /** Each pid with its state, parent and command line, for an assertion message. */
    static String describe(List<Long> pids) {
        StringBuilder out = new StringBuilder();
        for (long pid : pids) {
            try {
                String status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                        .filter(l -> l.startsWith("State:") || l.startsWith("PPid:") || l.startsWith("Uid:")
                                || l.startsWith("NSpid:"))
                        .reduce("", (a, b) -> a + " " + b.replace('\t', ' '));
                String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")))
                        .replace('\0', ' ');
                out.append(pid).append(':').append(status).append(" cmd=").append(cmdline).append('\n');
            } catch (IOException e) {
                out.append(pid).append(": gone\n");
            }
        }
        return out.toString();
    }

    private static boolean isRunOf(String name, RunUsers users) {
        return name.matches("run-\\d+") && users.contains(Integer.parseInt(name.substring(4)));
    }
}
