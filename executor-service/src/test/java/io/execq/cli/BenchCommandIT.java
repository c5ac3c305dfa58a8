package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.testing.DockerAvailability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code execq bench} in-process through picocli, against its own embedded broker and executor and the real
 * sandboxes. Asserts what was measured and written, never how fast: timing claims belong in the report.
 */
class BenchCommandIT {

    /** As the issue asks; one concurrency level keeps the Docker series (a container per sample) near a minute. */
    private static final int REQUESTS = 50;

    @TempDir
    Path tmp;

    @Test
    void bothBackendsRunEverySeriesAtEveryLevelWithExactlyTheRequestedSamplesAndWriteTheReport() throws IOException {
        DockerAvailability.requireDocker();
        Path report = tmp.resolve("report");

        CliRun run = CliRun.of("bench", "--requests", Integer.toString(REQUESTS), "--backend", "both",
                "--concurrency", "4", "--warmup", "1", "--rounds", "2", "--report", report.toString());

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        for (String file : List.of("report.md", "bench.json", "latency-cdf-c4.png", "throughput.png")) {
            assertThat(report.resolve(file)).isNotEmptyFile();
        }
        assertThat(Files.readAllBytes(report.resolve("throughput.png"))).startsWith(0x89, 'P', 'N', 'G');
        JsonNode json = new ObjectMapper().readTree(report.resolve("bench.json").toFile());
        Map<String, List<Integer>> levels = new HashMap<>();
        for (JsonNode series : json.get("series")) {
            assertThat(series.at("/stats/samples").asLong()).as(series.toString()).isEqualTo(REQUESTS);
            assertThat(series.at("/stats/errors").asLong()).as(series.toString()).isZero();
            levels.computeIfAbsent(series.get("series").asText(), k -> new ArrayList<>())
                    .add(series.get("concurrency").asInt());
        }
        Set<String> expected = new java.util.HashSet<>(Set.of("raw-spawn", "raw-hardened-spawn", "raw-docker-java",
                "docker-sandbox", "kafka-floor", "execq-process", "execq-docker"));
        if (io.execq.bench.BenchTesting.dockerCliOnPath()) {
            expected.add("raw-docker-cli");
        }
        assertThat(levels.keySet()).isEqualTo(expected);
        assertThat(levels.values()).allSatisfy(l -> assertThat(l).containsExactly(4));
        List<String> overheads = new ArrayList<>();
        json.get("overheads").forEach(o -> overheads.add(o.get("execq").asText() + "@" + o.get("concurrency")));
        assertThat(overheads).containsExactlyInAnyOrder("execq-process@4", "execq-docker@4");
        assertThat(run.out()).contains("| series | conc. | samples |").contains("| execq-docker | 4 | " + REQUESTS
                + " | 0 |");
        assertThat(report.resolve("report.md")).content().isEqualTo(run.out());
    }

    @Test
    void holScenarioMeasuresShortRequestsAloneAndBehindLongRunsAndPrintsJson() throws IOException {
        CliRun run = CliRun.of("bench", "--scenario", "hol", "--backend", "process", "--requests", "6",
                "--concurrency", "2", "--warmup", "0", "--long-runs", "1", "--long-command", "sleep", "1",
                "--json", "--report", tmp.resolve("hol").toString());

        assertThat(run.status()).as(run.out() + run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("series")).extracting(s -> s.get("series").asText())
                .containsExactly("execq-process", "execq-process-behind-long");
        assertThat(json.get("series")).allSatisfy(s -> {
            assertThat(s.at("/stats/samples").asLong()).isEqualTo(6);
            assertThat(s.at("/stats/errors").asLong()).isZero();
        });
        assertThat(json.get("headOfLine")).singleElement().satisfies(h -> {
            assertThat(h.get("series").asText()).isEqualTo("execq-process");
            assertThat(h.get("concurrency").asInt()).isEqualTo(2);
        });
        assertThat(json.at("/settings/longCommand").toString()).isEqualTo("[\"sleep\",\"1\"]");
        assertThat(tmp.resolve("hol").resolve("bench.json")).content().isEqualToIgnoringWhitespace(run.out());
    }

    @Test
    void dockerSeriesWithoutADockerEngineFailWithAClearMessage() {
        CliRun run = CliRun.of("bench", "--backend", "docker", "--docker-host",
                "unix:///tmp/execq-no-such-docker.sock", "--requests", "1", "--report", tmp.toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("execq bench: The Docker series need a Docker engine")
                .contains("unix:///tmp/execq-no-such-docker.sock").contains("--backend process");
        assertThat(tmp.resolve("bench.json")).doesNotExist();
    }
}
