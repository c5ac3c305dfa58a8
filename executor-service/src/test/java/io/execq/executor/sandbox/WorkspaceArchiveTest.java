package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.testing.TestArchives;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkspaceArchiveTest {

    private static final ArchiveLimits LIMITS = new ArchiveLimits(100, 1 << 20);

    private static TestArchives project() {
        return TestArchives.tar().dir("./src").file("./src/main.py", "print('hi')\n")
                .file("src/lib/util.py", "X = 1\n").file("run.sh", "#!/bin/sh\necho ok\n".getBytes(), 0755);
    }

    @Test
    void acceptsNestedFilesAndDirectoriesKeepingOnlyTheExecuteBit() {
        for (byte[] bytes : new byte[][] {project().bytes(), project().gzip()}) {
            WorkspaceArchive archive = WorkspaceArchive.of(bytes, LIMITS);
            assertThat(archive.entries()).containsExactly(
                    new WorkspaceArchive.Entry("src", true, 0, false),
                    new WorkspaceArchive.Entry("src/main.py", false, 12, false),
                    new WorkspaceArchive.Entry("src/lib/util.py", false, 6, false),
                    new WorkspaceArchive.Entry("run.sh", false, 18, true));
            assertThat(archive.directories()).containsExactly("src", "src/lib");
            assertThat(archive.contentBytes()).isEqualTo(36);
            assertThat(archive.footprintBytes()).isEqualTo(3 * 4096);
        }
    }

    @Test
    void streamsEachFileAgainSkippingTheOverriddenOnes() throws Exception {
        WorkspaceArchive archive = WorkspaceArchive.of(project().gzip(), LIMITS);
        Map<String, String> seen = new LinkedHashMap<>();
        archive.forEachFile(path -> path.equals("run.sh"), (entry, content) ->
                seen.put(entry.path(), new String(content.readAllBytes(), StandardCharsets.UTF_8)));
        assertThat(seen).containsExactly(Map.entry("src/main.py", "print('hi')\n"),
                Map.entry("src/lib/util.py", "X = 1\n"));
    }

    @Test
    void refusesPathsThatLeaveTheWorkspace() {
        assertRefused(TestArchives.tar().file("../x", "a"), "archive entry '../x' escapes the workspace with '..'");
        assertRefused(TestArchives.tar().file("a/../../x", "a"), "escapes the workspace with '..'");
        assertRefused(TestArchives.tar().file("/etc/x", "a"), "archive entry '/etc/x' is an absolute path");
    }

    @Test
    void refusesLinksDevicesAndFifos() {
        assertRefused(TestArchives.tar().symlink("out", "/etc"),
                "archive entry 'out' is a symbolic link (to '/etc'): links are not accepted");
        assertRefused(TestArchives.tar().file("a", "x").symlink("in", "a"), "'in' is a symbolic link (to 'a')");
        assertRefused(TestArchives.tar().file("a", "x").hardLink("b", "a"),
                "archive entry 'b' is a hard link (to 'a'): links are not accepted");
        assertRefused(TestArchives.tar().fifo("pipe"), "archive entry 'pipe' is a FIFO");
        assertRefused(TestArchives.tar().charDevice("null"), "archive entry 'null' is a device");
    }

    @Test
    void refusesDuplicatesAndFilesWhereDirectoriesAreNeeded() {
        assertRefused(TestArchives.tar().file("a", "1").file("./a", "2"), "archive entry 'a' appears more than once");
        assertRefused(TestArchives.tar().file("a", "1").file("a/b", "2"),
                "archive entry 'a/b' lies under 'a', which the archive makes a file");
    }

    @Test
    void refusesMoreEntriesThanTheLimit() {
        TestArchives many = TestArchives.tar();
        for (int i = 0; i < 101; i++) {
            many.file("f" + i, "x");
        }
        assertRefused(many, "archive has more than 100 entries (--max-archive-entries)");
    }

    @Test
    void refusesAGzipBombAtItsHeaderWithoutInflatingIt() {
        byte[] bomb = TestArchives.gzipBomb("zeros", 64L << 20);
        assertThat(bomb.length).isLessThan(256 << 10);
        assertThatThrownBy(() -> WorkspaceArchive.of(bomb, LIMITS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archive expands to more than 1048576 bytes (--max-archive-bytes): entry 'zeros' alone is "
                        + (64L << 20) + " bytes");
    }

    @Test
    void refusesFilesThatTogetherPassTheExpandedSizeCap() {
        byte[] archive = TestArchives.gzipOfZeroFiles(5, 300_000);
        assertThatThrownBy(() -> WorkspaceArchive.of(archive, LIMITS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archive expands to more than 1048576 bytes (--max-archive-bytes): entry 'zeros/3' alone "
                        + "is 300000 bytes");
    }

    @Test
    void refusesHeaderRecordsLargerThanTheAllowanceBeforeReadingThemWhole() {
        String longName = "d/" + "f".repeat(80_000); // a PAX path record of 80 KB
        assertThatThrownBy(() -> WorkspaceArchive.of(TestArchives.tar().file(longName, "x").gzip(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archive has an entry header (with its PAX or GNU long-name records) over 65536 bytes "
                        + "after 0 entries");
    }

    @Test
    void refusesWhatIsNotATar() {
        assertThatThrownBy(() -> WorkspaceArchive.of("hello, this is not a tar".getBytes(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archive has no entries (an empty tar, or not a tar at all)");
        assertThatThrownBy(() -> WorkspaceArchive.of("x".repeat(2048).getBytes(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("archive is not a valid tar");
        assertThatThrownBy(() -> WorkspaceArchive.of(new byte[0], LIMITS)).hasMessage("archive is empty");
    }

    private static void assertRefused(TestArchives archive, String reason) {
        assertThatThrownBy(() -> WorkspaceArchive.of(archive.bytes(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
        assertThatThrownBy(() -> WorkspaceArchive.of(archive.gzip(), LIMITS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }
}
