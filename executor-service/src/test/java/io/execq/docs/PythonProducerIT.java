package io.execq.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorInstance;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The non-Java producer of docs/contracts.md, for real: Debian's python3-confluent-kafka and python3-avro write a
 * single-object encoded request with the published schema and header, the executor runs it, and the same script
 * reads the result back (read_committed), decoding it by its published header.
 */
class PythonProducerIT {

    /** Debian's interpreter, where ops/test.sh installs the packages (not a pyenv shim). */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void aPythonProducerSubmitsARequestAndReadsItsResult() throws Exception {
        assertThat(run(List.of(PYTHON.toString(), "-c", "import confluent_kafka, avro")).exit)
                .as("python3-confluent-kafka and python3-avro (installed by ops/test.sh)").isZero();
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        String id = "python-" + UUID.randomUUID();

        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of()))) {
            Run client = run(List.of(PYTHON.toString(), ROOT.resolve("docs/examples/execq_python_client.py").toString(),
                    "--bootstrap-servers", bootstrap, "--requests-topic", topics.requests(),
                    "--results-topic", topics.results(), "--history", ROOT.resolve("schemas/history").toString(),
                    "--request-id", id, "--isolation", "PROCESS", "--wait", "--",
                    "sh", "-c", "echo hello from python"));

            assertThat(client.exit).as(client.output + client.errors).isZero();
            assertThat(client.output).startsWith(id + "\n")
                    .contains("status=SUCCEEDED exitCode=0 backend=PROCESS")
                    .endsWith("hello from python\n");
        }
    }

    /** {@code errors}: librdkafka's own log lines (stderr), kept apart from the client's output. */
    private record Run(int exit, String output, String errors) {
    }

    private static Run run(List<String> command) throws Exception {
        Path out = Files.createTempFile("execq-python", ".out");
        Path err = Files.createTempFile("execq-python", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("python client did not finish: " + Files.readString(out)
                        + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
