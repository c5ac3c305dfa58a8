package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.testing.ExecqTopics;
import io.execq.testing.ExecutorProcesses;
import io.execq.testing.TestKafka;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code execq serve --log-format json}, as a real process: every log line on stderr is one JSON object. */
class ServeLogFormatIT {

    @RegisterExtension
    final ExecutorProcesses executors = new ExecutorProcesses();

    @Test
    void jsonLogFormatWritesOneObjectPerLine() throws Exception {
        ExecqTopics topics = ExecqTopics.create(TestKafka.shared().bootstrapServers(), 1);
        Process serve = executors.start(topics, "log-format-" + UUID.randomUUID(), "json-logger",
                List.of("--log-format", "json"));

        await().atMost(Duration.ofSeconds(60)).until(() ->
                Files.readString(executors.output("json-logger")).contains("Partitions assigned"));
        serve.destroy(); // SIGTERM: the shutdown is logged too
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();

        List<String> lines = Files.readAllLines(executors.output("json-logger")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("execq executor json-logger serving"))
                .toList();
        assertThat(lines).hasSizeGreaterThan(2);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode event = json.readTree(line);
            assertThat(event.isObject()).as(line).isTrue();
            assertThat(event.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(event.has("loggerName") && event.has("message") && event.has("timestamp")).as(line).isTrue();
        }
    }
}
