package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtifactCollectorTest {

    @Test
    void matchesWorkspaceRelativeGlobs() {
        ArtifactCollector collector = new ArtifactCollector(new CollectSpec(List.of("out/*.txt", "**/*.log"), 10, 100));
        assertThat(collector.wants("out/a.txt")).isTrue();
        assertThat(collector.wants("out/sub/a.txt")).isFalse();
        assertThat(collector.wants("x/y/z.log")).isTrue();
        assertThat(collector.wants("a.txt")).isFalse();
    }

    @Test
    void truncatesAtTheByteCapAndListsLaterFilesWithoutData() throws Exception {
        ArtifactCollector collector = new ArtifactCollector(new CollectSpec(List.of("*"), 10, 10));
        collector.regular("a", 6, new ByteArrayInputStream("aaaaaa".getBytes()));
        collector.regular("b", 6, new ByteArrayInputStream("bbbbbb".getBytes()));
        collector.regular("c", 3, new ByteArrayInputStream("ccc".getBytes()));
        CollectedArtifacts result = collector.result();
        assertThat(result.files()).containsExactly(new CollectedFile("a", "aaaaaa".getBytes(), 6, false),
                new CollectedFile("b", "bbbb".getBytes(), 6, true), new CollectedFile("c", new byte[0], 3, true));
        assertThat(result.dropped()).contains("artifacts: 2 files truncated at 10 artifact bytes in all "
                + "(--max-artifacts)");
    }

    @Test
    void dropsFilesOverTheCountCapAndNamesWhatIsNotARegularFile() throws Exception {
        ArtifactCollector collector = new ArtifactCollector(new CollectSpec(List.of("*"), 1, 100));
        collector.regular("a", 1, new ByteArrayInputStream("a".getBytes()));
        collector.regular("b", 1, new ByteArrayInputStream("b".getBytes()));
        collector.skipped("link", "symbolic link");
        collector.skipped("pipe", "FIFO");
        CollectedArtifacts result = collector.result();
        assertThat(result.files()).extracting(CollectedFile::path).containsExactly("a");
        assertThat(result.dropped()).contains("artifacts: 1 matching files not returned: more than 1 "
                + "(--max-artifact-files); 2 matching entries are not regular files and were not read: "
                + "link (symbolic link), pipe (FIFO)");
    }

    @Test
    void refusesPatternsThatLeaveTheWorkspace() {
        assertThatThrownBy(() -> new CollectSpec(List.of("/etc/*"), 1, 1))
                .hasMessage("collect pattern must be relative to the workspace, got '/etc/*'");
        assertThatThrownBy(() -> new CollectSpec(List.of("../*"), 1, 1))
                .hasMessage("collect pattern must not contain '..', got '../*'");
        assertThatThrownBy(() -> new CollectSpec(List.of("a/[b"), 1, 1))
                .hasMessageStartingWith("collect pattern 'a/[b' is not a valid glob");
    }
}
