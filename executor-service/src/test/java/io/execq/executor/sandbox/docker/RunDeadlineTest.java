package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import io.execq.executor.sandbox.SandboxLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDeadlineTest {

    @TempDir
    Path dir;

    private static SandboxLimits limits(Duration timeout, int pids) {
        return new SandboxLimits(timeout, 64L << 20, 500, pids, 1 << 16);
    }

    @Test
    void runsTheProgramBehindTheWatchersTimeoutAsDockersInitsOwnChild() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);

        assertThat(deadline.enforced()).as("Debian's busybox-static at /bin/busybox (ops/images/build.sh installs it)")
                .isTrue();
        assertThat(deadline.command(List.of("python3", "-c", "1"), limits(Duration.ofMillis(2_500), 8)))
                .containsExactly("/.execq/busybox", "timeout", "-s", "KILL", "13", "python3", "-c", "1");
        assertThat(deadline.command(List.of("./tool.sh"), limits(Duration.ofSeconds(1), 8)))
                .containsExactly("/.execq/busybox", "timeout", "-s", "KILL", "11", "./tool.sh");
        assertThat(deadline.mount()).hasValue(new Mount().withType(MountType.BIND).withSource("/bin/busybox")
                .withTarget("/.execq/busybox").withReadOnly(true));
        assertThat(deadline.pidsLimit(8)).as("Docker's init and the watcher on top").isEqualTo(10);
    }

    @Test
    void handsNamesBusyboxAlsoProvidesToTheImagesEnv() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);

        assertThat(deadline.command(List.of("sh", "-c", "echo hi"), limits(Duration.ofSeconds(5), 8)))
                .containsExactly("/.execq/busybox", "timeout", "-s", "KILL", "15", "/usr/bin/env", "--", "sh", "-c",
                        "echo hi");
        assertThat(deadline.command(List.of("echo", "hi"), limits(Duration.ofSeconds(5), 8)))
                .contains("/usr/bin/env", "--");
        assertThat(deadline.command(List.of("/bin/echo", "hi"), limits(Duration.ofSeconds(5), 8)))
                .as("a path is exec'd as it is").doesNotContain("/usr/bin/env");
        assertThat(RunDeadline.applets(RunDeadline.DEFAULT_HELPER)).contains("sh", "cat", "echo", "timeout")
                .doesNotContain("python3", "node", "java");
    }

    @Test
    void aRunLimitedToOneProcessGetsNoWatcherSoItsLimitStaysExact() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);

        assertThat(deadline.command(List.of("python3", "-c", "1"), limits(Duration.ofSeconds(5), 1)))
                .containsExactly("python3", "-c", "1");
        assertThat(deadline.pidsLimit(1)).isEqualTo(2);
        assertThat(deadline.pidsLimit(2)).as("the timeout's start needs 3 besides Docker's init: 2 + 2").isEqualTo(4);
    }

    @Test
    void roundsTheTimeoutUpToWholeSecondsAndAddsTheMargin() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER, Duration.ofSeconds(1));

        assertThat(deadline.seconds(Duration.ofMillis(100))).isEqualTo(2);
        assertThat(deadline.seconds(Duration.ofSeconds(30))).isEqualTo(31);
    }

    @Test
    void withoutAHelperTheProgramIsDockersInitsChildWithoutADeadline() throws Exception {
        RunDeadline missing = RunDeadline.probe(dir.resolve("no-busybox"));
        Path script = Files.writeString(dir.resolve("busybox"), "#!/bin/sh\nexit 0\n");
        script.toFile().setExecutable(true);

        assertThat(missing.enforced()).isFalse();
        assertThat(RunDeadline.probe(script).enforced()).as("not an ELF executable").isFalse();
        assertThat(missing.command(List.of("echo"), limits(Duration.ofSeconds(5), 8))).containsExactly("echo");
        assertThat(missing.mount()).isEmpty();
        assertThat(missing.pidsLimit(8)).isEqualTo(9);
    }

    @Test
    void acceptsOnlyStaticExecutables() throws Exception {
        assertThat(RunDeadline.isStaticElf(Path.of("/bin/busybox"))).isTrue();
        assertThat(RunDeadline.isStaticElf(Path.of("/bin/ls"))).as("dynamically linked").isFalse();
        assertThat(RunDeadline.problem(Path.of("/bin/ls"))).hasValueSatisfying(problem ->
                assertThat(problem).startsWith("is not a static executable"));
        assertThat(RunDeadline.problem(dir)).hasValue("is not an executable file");
    }
}
