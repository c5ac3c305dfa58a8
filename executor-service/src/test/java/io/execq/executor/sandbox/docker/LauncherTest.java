package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LauncherTest {

    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(5), 64L << 20, 1000, 64, 1024);

    private static SandboxSpec spec(String... argv) {
        return SandboxSpec.of("req-1", "exec-1", "img", List.of(argv), LIMITS);
    }

    @Test
    void quotesEveryWordSoTheShellInterpretsNothing() {
        assertThat(Launcher.quote("a b")).isEqualTo("'a b'");
        assertThat(Launcher.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(Launcher.quote("$HOME `id` *")).isEqualTo("'$HOME `id` *'");
        assertThat(Launcher.quote("one\ntwo")).isEqualTo("'one'\"$nl\"'two'");
    }

    @Test
    void writesOneLineThatExecsTheProgramWithExactlyTheGivenEnvironment() {
        Map<String, String> containerEnv = new LinkedHashMap<>();
        containerEnv.put("PATH", "/bin");
        containerEnv.put("HOME", "/execq/work");
        SandboxSpec spec = spec("echo", "a\nb").withEnv(Map.of("HOME", "/elsewhere", "X", "1"));

        String line = new String(Launcher.line(containerEnv, spec, RunDeadline.none()), StandardCharsets.UTF_8);

        assertThat(line).isEqualTo("nl=$(printf '\\nx'); nl=${nl%x}; exec env -i -- 'PATH=/bin' 'HOME=/elsewhere' 'X=1' "
                + "'echo' 'a'\"$nl\"'b'\n");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void changesToTheWorkingDirOfARunWithFilesFirst() {
        SandboxSpec spec = spec("./a=b", "x").withFiles(List.of(new SandboxFile("a=b", new byte[0], true)),
                Optional.of("sub"));

        String line = new String(Launcher.line(Map.of("PATH", "/bin"), spec, RunDeadline.none()),
                StandardCharsets.UTF_8);

        assertThat(line).startsWith("nl=$(printf '\\nx'); nl=${nl%x}; cd -- '/execq/work/sub' || exit 125; "
                + "exec env -i -- 'PATH=/bin' ").as("env would take ./a=b for a variable: tini execs it")
                .endsWith(" '/sbin/docker-init' '-s' '--' './a=b' 'x'\n");
    }

    @Test
    void execsTheDeadlineHelpersTimeoutWhichExecsTheProgramInPlace() {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);

        String line = new String(Launcher.line(Map.of("PATH", "/bin"), spec("cat", "f"), deadline),
                StandardCharsets.UTF_8);
        String withFiles = new String(Launcher.line(Map.of("PATH", "/bin"), spec("./a=b").withFiles(
                List.of(new SandboxFile("a=b", new byte[0], true)), Optional.empty()), deadline), StandardCharsets.UTF_8);

        assertThat(line).endsWith("exec env -i -- 'PATH=/bin' '/.execq/busybox' 'timeout' '-s' 'KILL' '15' "
                + "'/usr/bin/env' '--' 'cat' 'f'\n");
        assertThat(withFiles).as("the helper comes first: env sees no variable").doesNotContain("docker-init")
                .endsWith("'KILL' '15' './a=b'\n");
    }

    @Test
    void computesTheEnvironmentDockerGivesAProcess() {
        Map<String, String> env = Launcher.processEnvironment("abc123",
                List.of("HOME=/execq/work", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"));

        assertThat(env).containsExactly(Map.entry("PATH", "/usr/bin:/bin"), Map.entry("HOSTNAME", "abc123"),
                Map.entry("HOME", "/execq/work"), Map.entry("LANG", "C.UTF-8"));
        assertThat(Launcher.processEnvironment("h", List.of())).containsEntry("PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    }

    @Test
    void launchesOnlyRunsWithoutFilesWorkingDirOrAnAssignmentAsProgram() {
        assertThat(Launcher.canLaunch(spec("echo", "a=b"))).isTrue();
        assertThat(Launcher.canLaunch(spec("a=b"))).isFalse();
        assertThat(Launcher.canLaunch(spec("cat").withFiles(
                List.of(new SandboxFile("f", new byte[0], false)), Optional.empty()))).isFalse();
        assertThat(Launcher.canLaunch(spec("pwd").withFiles(List.of(), Optional.of("sub")))).isFalse();
    }
}
