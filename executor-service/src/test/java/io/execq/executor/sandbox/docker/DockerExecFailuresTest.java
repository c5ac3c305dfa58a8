package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.Backend;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerExecFailuresTest {

    private static SandboxOutcome outcome(int exit, String stdout, String stderr) {
        return new SandboxOutcome(OptionalInt.of(exit), false, false, stream(stdout), stream(stderr), Instant.EPOCH,
                Instant.EPOCH, Backend.DOCKER, Set.of(), Optional.of("sha256:x"));
    }

    private static CapturedStream stream(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new CapturedStream(bytes, bytes.length, false);
    }

    @Test
    void aProgramTiniCouldNotFindIsNotFound127() {
        SandboxOutcome classified = DockerExecFailures.classify(outcome(127, "",
                "[FATAL tini (7)] exec no-such-program failed: No such file or directory\n"), "no-such-program");

        assertThat(classified.exitCode()).hasValue(127);
        assertThat(classified.startFailure()).hasValue("command not found: no-such-program: No such file or directory");
    }

    @Test
    void aProgramTiniCouldNotExecuteIs126() {
        assertThat(DockerExecFailures.classify(outcome(126, "",
                "[FATAL tini (11)] exec ./tool.sh failed: Permission denied\n"), "./tool.sh").startFailure())
                .hasValue("cannot execute: ./tool.sh: Permission denied");
        SandboxOutcome other = DockerExecFailures.classify(outcome(1, "",
                "[FATAL tini (8)] exec ./x failed: Exec format error\n"), "./x");
        assertThat(other.exitCode()).as("tini exits 1 for other errors; a shell gives 126").hasValue(126);
        assertThat(other.startFailure()).hasValue("cannot execute: ./x: Exec format error");
    }

    @Test
    void programsTheDeadlineHelperOrTheImagesEnvCouldNotExecuteAre127Or126() {
        assertThat(DockerExecFailures.classify(outcome(127, "",
                "timeout: can't execute 'no-such-program': No such file or directory\n"), "no-such-program")
                .startFailure()).hasValue("command not found: no-such-program: No such file or directory");
        SandboxOutcome notExecutable = DockerExecFailures.classify(outcome(126, "",
                "timeout: can't execute './tool.sh': Permission denied\n"), "./tool.sh");
        assertThat(notExecutable.exitCode()).hasValue(126);
        assertThat(notExecutable.startFailure()).hasValue("cannot execute: ./tool.sh: Permission denied");
        assertThat(DockerExecFailures.classify(outcome(127, "", "/usr/bin/env: 'sh': No such file or directory\n"),
                "sh").startFailure()).as("coreutils env, C locale")
                .hasValue("command not found: sh: No such file or directory");
        assertThat(DockerExecFailures.classify(outcome(126, "", "env: \u2018./t\u2019: Permission denied\n"), "./t")
                .startFailure()).as("coreutils env, UTF-8 locale").hasValue("cannot execute: ./t: Permission denied");
        assertThat(DockerExecFailures.classify(outcome(127, "", "env: can't execute 'x': No such file or directory\n"),
                "x").startFailure()).as("busybox env").hasValue("command not found: x: No such file or directory");
    }

    @Test
    void anImageWithoutEnvIsTheProgramNotFoundSayingWhy() {
        SandboxOutcome classified = DockerExecFailures.classify(outcome(127, "",
                "timeout: can't execute '/usr/bin/env': No such file or directory\n"), "cat");

        assertThat(classified.exitCode()).hasValue(127);
        assertThat(classified.startFailure()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("command not found: cat: No such file or directory (the image has no /usr/bin/env"));
    }

    @Test
    void anArgumentListRuncCouldNotPassIs126NamingTheProgram() {
        SandboxOutcome classified = DockerExecFailures.classify(outcome(1, "",
                "exec /sbin/docker-init: argument list too long\n"), "echo");

        assertThat(classified.exitCode()).hasValue(126);
        assertThat(classified.startFailure()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("cannot execute: echo: Argument list too long (E2BIG"));
    }

    @Test
    void aProgramThatRanIsNeverAStartFailure() {
        String tiniLine = "[FATAL tini (7)] exec x failed: No such file or directory\n";
        assertThat(DockerExecFailures.classify(outcome(127, "output\n", tiniLine), "x").startFailure())
                .as("it wrote to stdout").isEmpty();
        assertThat(DockerExecFailures.classify(outcome(127, "", "more\n" + tiniLine), "x").startFailure())
                .as("stderr is more than the line").isEmpty();
        assertThat(DockerExecFailures.classify(outcome(127, "", "sh: x: not found\n"), "sh").startFailure()).isEmpty();
        assertThat(DockerExecFailures.classify(outcome(1, "", "timeout: can't execute 'x': No such file or directory\n"),
                "x").startFailure()).as("the helper's exec failures exit 126 or 127").isEmpty();
        assertThat(DockerExecFailures.classify(outcome(3, "", tiniLine), "x").startFailure())
                .as("an exit code tini never gives").isEmpty();
    }
}
