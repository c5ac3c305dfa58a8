package io.execq.executor.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table of cases in docs/hostile-corpus.md has one row per case of the corpus, and no other. */
class HostileCorpusDocTest {

    @Test
    void theTableOfCasesListsEveryCaseOnce() throws Exception {
        String doc = Files.readString(Path.of("../docs/hostile-corpus.md"));
        int start = doc.indexOf("\n## The cases\n");
        int end = doc.indexOf("\n## ", start + 1);
        assertThat(start).as("a '## The cases' section").isPositive();
        List<String> rows = doc.substring(start, end).lines().filter(line -> line.startsWith("| `")).toList();

        List<String> expected = HostileCorpus.all().stream().map(c -> "| `" + c.id() + "` | " + c.title() + " | ").toList();
        assertThat(rows).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(rows.get(i)).as("row %d of the table of cases", i + 1).startsWith(expected.get(i));
        }
    }
}
