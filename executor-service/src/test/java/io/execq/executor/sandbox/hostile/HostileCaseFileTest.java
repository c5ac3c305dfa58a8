package io.execq.executor.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.sandbox.hostile.Expectations.Status;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostileCaseFileTest {

    private static final String VALID = """
            # comment
            id: sample
            title: A sample
            source: somewhere https://example.org/a
            source: elsewhere https://example.org/b
            proves: Something.
            language: python
            timeout: 3s
            memory: 64m
            pids: 16
            output: 64k
            stdin: 1k
            runs: 2
            workspace-file: in.txt
            expect-status: timed-out|oom-killed
            expect-stdout-contains: a
            expect-stdout-matches: ^b
            expect-stdout-kept-bytes: 10
            expect-max-duration: 20s
            host-checks: processes, keyrings
            exception: process keyrings: the reason
            --- program
            print("hi")

            --- companion
            print("companion")
            """;

    @Test
    void readsEveryKeyAndBothSections() {
        HostileCase c = HostileCaseFile.parse("sample.case", VALID);

        assertThat(c.id()).isEqualTo("sample");
        assertThat(c.sources()).containsExactly("somewhere https://example.org/a", "elsewhere https://example.org/b");
        assertThat(c.language()).isEqualTo(HostileCase.Language.PYTHON);
        assertThat(c.language().argv(c.program())).containsExactly("python3", "-c", "print(\"hi\")\n");
        assertThat(c.companion()).hasValue("print(\"companion\")\n");
        assertThat(c.limits().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.limits().memoryBytes()).isEqualTo(64L << 20);
        assertThat(c.limits().pids()).isEqualTo(16);
        assertThat(c.limits().maxOutputBytes()).isEqualTo(65_536);
        assertThat(c.stdinBytes()).isEqualTo(1024);
        assertThat(c.runs()).isEqualTo(2);
        assertThat(c.workspaceFile()).hasValue("in.txt");
        assertThat(c.expect().status()).containsExactlyInAnyOrder(Status.TIMED_OUT, Status.OOM_KILLED);
        assertThat(c.expect().text()).hasSize(2);
        assertThat(c.expect().sizes()).hasSize(1);
        assertThat(c.expect().maxDuration()).hasValue(Duration.ofSeconds(20));
        assertThat(c.hostChecks()).containsExactlyInAnyOrder("processes", "keyrings");
        assertThat(c.exception("process", "keyrings")).hasValue("the reason");
        assertThat(c.exception("docker", "keyrings")).isEmpty();
    }

    @Test
    void namesTheFileAndLineOfAnUnknownKey() {
        assertThatThrownBy(() -> HostileCaseFile.parse("sample.case", VALID.replace("runs: 2", "rnus: 2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sample.case:13: unknown key 'rnus'");
    }

    @Test
    void refusesAnIdThatIsNotTheFileName() {
        assertThatThrownBy(() -> HostileCaseFile.parse("other.case", VALID))
                .hasMessage("other.case: id 'sample' does not match the file name");
    }

    @Test
    void refusesAnUnknownHostCheck() {
        assertThatThrownBy(() -> HostileCaseFile.parse("sample.case", VALID.replace("processes, keyrings", "processes, keyring")))
                .hasMessageStartingWith("sample.case: unknown host check 'keyring'");
    }

    @Test
    void refusesACaseWithoutSourceOrExpectation() {
        String noSource = VALID.replaceAll("(?m)^source: .*\\n", "");
        assertThatThrownBy(() -> HostileCaseFile.parse("sample.case", noSource))
                .hasMessage("sample.case: a case needs at least one 'source'");
        String noExpectation = VALID.replace("expect-status: timed-out|oom-killed\n", "");
        assertThatThrownBy(() -> HostileCaseFile.parse("sample.case", noExpectation))
                .hasMessage("sample.case: a case must expect a status or an exit code");
    }

    @Test
    void refusesAMalformedStatus() {
        assertThatThrownBy(() -> HostileCaseFile.parse("sample.case", VALID.replace("timed-out|oom-killed", "killed")))
                .hasMessageContaining("expect-status 'killed' is not one of");
    }

    @Test
    void theCorpusHasAtLeastThirtyCasesWithUniqueIdsAndSourceLinks() {
        List<HostileCase> corpus = HostileCorpus.all();

        assertThat(corpus).hasSizeGreaterThanOrEqualTo(30);
        Set<String> ids = new HashSet<>();
        for (HostileCase c : corpus) {
            assertThat(ids.add(c.id())).as("unique id %s", c.id()).isTrue();
            assertThat(c.sources()).as("sources of %s", c.id()).allMatch(s -> s.matches(".+ https://\\S+"));
        }
    }
}
