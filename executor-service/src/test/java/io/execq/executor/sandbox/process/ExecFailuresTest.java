package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.StartFailure;
import io.execq.executor.sandbox.CapturedStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExecFailuresTest {

    private static CapturedStream stderr(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new CapturedStream(bytes, bytes.length, false);
    }

    @Test
    void utilLinuxNotFoundIs127() {
        assertThat(ExecFailures.fromWrapper(127, stderr("setpriv: failed to execute nope: No such file or directory\n")))
                .hasValue(new StartFailure(127, "command not found: nope: No such file or directory"));
    }

    @Test
    void utilLinuxPermissionDeniedIs126() {
        assertThat(ExecFailures.fromWrapper(126, stderr("prlimit: failed to execute ./a.sh: Permission denied\n")))
                .hasValue(new StartFailure(126, "cannot execute: ./a.sh: Permission denied"));
    }

    @Test
    void bubblewrapsExecErrorExits1AndBecomesTheShellsCode() {
        assertThat(ExecFailures.fromWrapper(1, stderr("bwrap: execvp nope: No such file or directory\n")))
                .hasValueSatisfying(f -> assertThat(f.exitCode()).isEqualTo(127));
        assertThat(ExecFailures.fromWrapper(1, stderr("bwrap: execvp ./x: Exec format error\n")))
                .hasValueSatisfying(f -> assertThat(f.exitCode()).isEqualTo(126));
    }

    @Test
    void anythingElseOnStderrOrAnotherExitCodeIsAProgramThatRan() {
        assertThat(ExecFailures.fromWrapper(3, stderr("setpriv: failed to execute nope: No such file or directory")))
                .isEmpty();
        assertThat(ExecFailures.fromWrapper(127, stderr("hello\nsetpriv: failed to execute nope: No such file or directory")))
                .isEmpty();
        assertThat(ExecFailures.fromWrapper(127, stderr("sh: nope: not found"))).isEmpty();
        assertThat(ExecFailures.fromWrapper(1, stderr("setpriv: failed to execute nope: No such file or directory")))
                .isEmpty();
    }

    @Test
    void argumentListTooLongAtStartIsTheUsersEvenBehindAWrapper() {
        IOException e = new IOException("Cannot run program \"/usr/bin/setsid\": error=7, Argument list too long");
        assertThat(ExecFailures.fromStart(e, "python3", false)).hasValueSatisfying(f -> {
            assertThat(f.exitCode()).isEqualTo(126);
            assertThat(f.reason()).contains("Argument list too long").contains("E2BIG").contains("stdin");
        });
    }

    @Test
    void aMissingWrapperIsOursButAMissingProgramStartedDirectlyIsTheUsers() {
        IOException e = new IOException("Cannot run program \"nope\": error=2, No such file or directory");
        assertThat(ExecFailures.fromStart(e, "nope", false)).isEmpty();
        assertThat(ExecFailures.fromStart(e, "nope", true)).hasValueSatisfying(f -> assertThat(f.exitCode()).isEqualTo(127));
        assertThat(ExecFailures.fromStart(new IOException("broken pipe"), "nope", true)).isEmpty();
    }
}
