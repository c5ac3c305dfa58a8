package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDeadlineTest {

    @TempDir
    Path dir;

    @Test
    void wrapsTheProgramInTheWatcherAndASecondTini() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);

        assertThat(deadline.enforced()).as("Debian's busybox-static at /bin/busybox (ops/images/build.sh installs it)")
                .isTrue();
        assertThat(deadline.command(List.of("echo", "hi"), Duration.ofMillis(2_500))).containsExactly(
                "/.execq/busybox", "timeout", "-s", "KILL", "13", "/sbin/docker-init", "-s", "--", "echo", "hi");
        assertThat(deadline.mount()).hasValue(new Mount().withType(MountType.BIND).withSource("/bin/busybox")
                .withTarget("/.execq/busybox").withReadOnly(true));
        assertThat(deadline.extraProcesses()).isEqualTo(3);
    }

    @Test
    void roundsTheTimeoutUpToWholeSecondsAndAddsTheMargin() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER, Duration.ofSeconds(1));

        assertThat(deadline.seconds(Duration.ofMillis(100))).isEqualTo(2);
        assertThat(deadline.seconds(Duration.ofSeconds(30))).isEqualTo(31);
    }

    @Test
    void withoutAHelperRunsStillGetTiniButNoDeadline() throws Exception {
        RunDeadline missing = RunDeadline.probe(dir.resolve("no-busybox"));
        Path script = Files.writeString(dir.resolve("busybox"), "#!/bin/sh\nexit 0\n");
        script.toFile().setExecutable(true);

        assertThat(missing.enforced()).isFalse();
        assertThat(RunDeadline.probe(script).enforced()).as("not an ELF executable").isFalse();
        assertThat(missing.command(List.of("echo"), Duration.ofSeconds(5)))
                .containsExactly("/sbin/docker-init", "-s", "--", "echo");
        assertThat(missing.mount()).isEmpty();
        assertThat(missing.extraProcesses()).isEqualTo(2);
    }

    @Test
    void onGvisorRunsTheProgramAsDockersInitsChildWithoutHelperOrInnerTini() {
        RunDeadline gvisor = RunDeadline.forGvisor();

        assertThat(gvisor.command(List.of("echo", "hi"), Duration.ofSeconds(5))).containsExactly("echo", "hi");
        assertThat(gvisor.mount()).isEmpty();
        assertThat(gvisor.enforced()).isFalse();
        assertThat(gvisor.extraProcesses()).isEqualTo(1);
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
