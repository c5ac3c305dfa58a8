package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostRootTest {

    @TempDir
    Path root;

    @Test
    void bindsEachEntryOnItsOwnAndLeavesOutWhatTheSandboxReplaces() throws IOException {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectory(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.writeString(root.resolve(".dockerenv"), "");
        for (String replaced : List.of("proc", "dev", "tmp")) {
            Files.createDirectory(root.resolve(replaced));
        }
        Files.createDirectories(root.resolve("tmp/execq-process-workspaces1/execq-run-2"));

        assertThat(HostRoot.bwrapArgs(root)).containsExactly(
                "--ro-bind", root.resolve(".dockerenv").toString(), "/.dockerenv",
                "--symlink", "usr/bin", "/bin",
                "--ro-bind", root.resolve("etc").toString(), "/etc",
                "--ro-bind", root.resolve("usr").toString(), "/usr");
    }

    @Test
    void leavesOutWhatIsNeitherDirectoryFileNorLink() throws Exception {
        Files.createDirectory(root.resolve("usr"));
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        assertThat(HostRoot.bwrapArgs(root)).containsExactly("--ro-bind", root.resolve("usr").toString(), "/usr");
    }

    @Test
    void bindsTheWholeRootWhenItCannotBeListed() {
        Path missing = root.resolve("missing");

        assertThat(HostRoot.bwrapArgs(missing)).containsExactly("--ro-bind", missing.toString(), "/");
    }

    @Test
    void theRealRootKeepsItsSystemDirectoriesAndNeverBindsTheHostsTmp() {
        List<String> argv = HostRoot.bwrapArgs();

        assertThat(argv).containsSubsequence("/usr", "/usr").doesNotContain("/tmp", "/proc", "/dev");
        assertThat(String.join(" ", argv)).contains("/etc /etc");
    }
}
