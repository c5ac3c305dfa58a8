package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {

    static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(5), 64L << 20, 500, 32, 4096);

    static SandboxSpec validSpec() {
        return SandboxSpec.of("req-1", "exec-1", "img", List.of("echo", "hi"), LIMITS);
    }

    private static SandboxFile file(String path) {
        return new SandboxFile(path, new byte[] {1}, false);
    }

    @Test
    void rejectsEmptyArgv() {
        assertThatThrownBy(() -> SandboxSpec.of("r", "e", "img", List.of(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argv must name a program, got []");
    }

    @Test
    void rejectsAnEmptyProgramName() {
        assertThatThrownBy(() -> SandboxSpec.of("r", "e", "img", List.of("", "x"), LIMITS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argv must name a program, got [, x]");
    }

    @Test
    void rejectsNulInArgv() {
        assertThatThrownBy(() -> SandboxSpec.of("r", "e", "img", List.of("echo", "a\0b"), LIMITS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("argv elements must be non-null and free of NUL");
    }

    @Test
    void rejectsFilePathsThatEscapeTheWorkspace() {
        assertThatThrownBy(() -> file("a/../../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file path must not escape the workspace with '..', got 'a/../../etc/passwd'");
        assertThatThrownBy(() -> file("/etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file path must be relative to the workspace, got absolute path '/etc/passwd'");
        assertThatThrownBy(() -> file("./"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file path must name a file inside the workspace, got the workspace itself");
    }

    @Test
    void normalisesRedundantPathSegments() {
        assertThat(file("./a//b/./c.txt").path()).isEqualTo("a/b/c.txt");
    }

    @Test
    void rejectsDuplicateFilePaths() {
        assertThatThrownBy(() -> validSpec().withFiles(List.of(file("a/b"), file("a//b")), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file path 'a/b' appears more than once");
    }

    @Test
    void rejectsAWorkingDirOutsideTheWorkspace() {
        assertThatThrownBy(() -> validSpec().withFiles(List.of(), Optional.of("../x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workingDir must not escape the workspace with '..', got '../x'");
        assertThatThrownBy(() -> validSpec().withFiles(List.of(), Optional.of("/tmp")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workingDir must be relative to the workspace, got absolute path '/tmp'");
    }

    @Test
    void treatsTheWorkspaceItselfAsNoWorkingDir() {
        assertThat(validSpec().withFiles(List.of(), Optional.of("./")).workingDir()).isEmpty();
    }

    @Test
    void rejectsInvalidEnvNames() {
        assertThatThrownBy(() -> validSpec().withEnv(Map.of("A=B", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("env name must match [A-Za-z_][A-Za-z0-9_]*, got 'A=B'");
    }

    @Test
    void listsEveryDirectoryOfFilesAndWorkingDirOutermostFirst() {
        SandboxSpec spec = validSpec().withFiles(List.of(file("a/b/c.txt"), file("top.txt"), file("a/d.txt")), Optional.of("w/x"));

        assertThat(spec.directories()).containsExactly("a", "a/b", "w", "w/x");
    }

    @Test
    void copiesStdinSoCallersCannotChangeIt() {
        byte[] stdin = {1, 2, 3};
        SandboxSpec spec = validSpec().withStdin(stdin);
        stdin[0] = 9;

        assertThat(spec.stdin()).containsExactly(1, 2, 3);
    }

    @Test
    void rejectsLimitsBelowTheRuntimeMinimums() {
        assertThatThrownBy(() -> new SandboxLimits(Duration.ZERO, 64L << 20, 1, 1, 0))
                .hasMessage("timeout must be positive, got PT0S");
        assertThatThrownBy(() -> new SandboxLimits(Duration.ofSeconds(1), 1024, 1, 1, 0))
                .hasMessage("memoryBytes must be at least 4 MiB (Docker's minimum), got 1024");
        assertThatThrownBy(() -> new SandboxLimits(Duration.ofSeconds(1), 64L << 20, 1, 0, 0))
                .hasMessage("pids must be at least 1, got 0");
    }

    @Test
    void outcomeRefusesAnExitCodeForATimedOutRun() {
        java.time.Instant t = java.time.Instant.EPOCH;
        assertThatThrownBy(() -> new SandboxOutcome(java.util.OptionalInt.of(137), true, false, CapturedStream.EMPTY,
                CapturedStream.EMPTY, t, t, io.execq.schema.Backend.DOCKER, java.util.Set.of(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a timed-out run has no exit code of its own");
    }
}
