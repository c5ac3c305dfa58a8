package io.execq.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's SDK example is exactly the code {@link ReadmeSdkSnippetIT} compiles and runs. */
class ReadmeSdkSnippetTest {

    @Test
    void readmeShowsExactlyTheSnippetThatReadmeSdkSnippetItRuns() throws Exception {
        String snippet = ReadmeSdkSnippetIT.snippet();

        assertThat(snippet).startsWith("ExecutionClient client = ExecutionClient.builder()\n")
                .contains("client.execute(req, Duration.ofSeconds(30));\n").contains("ResultSubscriber sub = ");
        assertThat(Files.readString(Path.of("../README.md"))).contains("```java\n" + snippet + "```\n");
    }
}
