package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.Artifact;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestArchives;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Workspace archives in and artifacts out, through the whole pipeline (real broker, real executor) on each backend:
 * a tar and a tar.gz with nested directories and an executable script are unpacked and run (the request's files
 * replacing an archive file); hostile archives are REJECTED with their reason and dead-lettered; globs pick the
 * artifacts, the byte cap truncates; and what a hostile program plants in its workspace (a symbolic link to a host
 * file the test made world-readable, a link to {@code /}, a FIFO, hard links inside the workspace and to the host
 * file) never brings host data back and never hangs the collection.
 */
class WorkspaceArchiveIT {

    private static final TestArchives PROJECT = TestArchives.tar().dir("src")
            .file("src/data/a.txt", "from-archive\n").file("src/data/b.txt", "replaced\n")
            .file("bin/run.sh", "#!/bin/sh\ncat src/data/a.txt src/data/b.txt\necho made > out.txt\n"
                    .getBytes(StandardCharsets.UTF_8), 0755);

    @ParameterizedTest
    @EnumSource(value = Isolation.class, names = {"PROCESS", "CONTAINER"})
    void archivesGoInSafelyAndOnlyRegularWorkspaceFilesComeOut(Isolation isolation) throws Exception {
        if (isolation == Isolation.CONTAINER) {
            DockerAvailability.requireDocker();
        }
        String token = "EXECQ-HOST-BAIT-" + UUID.randomUUID();
        Path baitDir = Files.createDirectory(Path.of("/opt/execq-it-bait-" + UUID.randomUUID()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path bait = Files.writeString(baitDir.resolve("secret"), token + "\n");
        Files.setPosixFilePermissions(bait, PosixFilePermissions.fromString("rw-r--r--"));
        try {
            run(isolation, bait, token);
        } finally {
            Files.deleteIfExists(bait);
            Files.deleteIfExists(baitDir);
        }
    }

    private void run(Isolation isolation, Path bait, String token) throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        Map<String, ExecutionRequest> accepted = new LinkedHashMap<>();
        accepted.put("tar", archiveRun(isolation, PROJECT.bytes(), "./bin/run.sh").build());
        accepted.put("tar.gz", archiveRun(isolation, PROJECT.gzip(), "sh", "-c",
                "ls -l bin/run.sh | cut -c1-10; ./bin/run.sh").build());
        accepted.put("glob", Requests.command(isolation, "sh", "-c", "mkdir -p out/sub && echo a > out/a.txt && "
                + "echo b > out/sub/b.txt && echo c > out/c.log && echo d > d.txt")
                .setCollect(List.of("out/*.txt", "**/*.log")).build());
        accepted.put("big", Requests.command(isolation, "sh", "-c", "mkdir out && head -c 200000 /dev/zero > "
                + "out/big.bin").setCollect(List.of("out/big.bin")).build());
        accepted.put("planted", Requests.command(isolation, "sh", "-c", String.join("\n",
                "mkdir out && echo inside > out/a.txt",
                "ln -s " + bait + " out/link.txt",
                "ln -s / out/root",
                "mkfifo out/pipe.txt",
                "ln out/a.txt out/hard.txt",
                "if ln " + bait + " out/hostlink.txt 2>/dev/null; then echo host-link-made; "
                        + "else echo host-link-refused; fi"))
                .setCollect(List.of("**")).build());

        Map<String, byte[]> hostile = new LinkedHashMap<>();
        hostile.put("archive entry '../x' escapes the workspace with '..'", TestArchives.tar().file("../x", "x").bytes());
        hostile.put("archive entry '/etc/x' is an absolute path", TestArchives.tar().file("/etc/x", "x").gzip());
        hostile.put("archive entry 'escape' is a symbolic link (to '/etc'): links are not accepted",
                TestArchives.tar().symlink("escape", "/etc").bytes());
        hostile.put("archive entry 'pipe' is a FIFO: only regular files and directories are accepted", TestArchives.tar().fifo("pipe").bytes());
        hostile.put("archive entry 'null' is a device: only regular files and directories are accepted", TestArchives.tar().charDevice("null").gzip());
        TestArchives many = TestArchives.tar();
        for (int i = 0; i < 51; i++) {
            many.file("f/" + i, "x");
        }
        hostile.put("archive has more than 50 entries (--max-archive-entries)", many.gzip());
        byte[] bomb = TestArchives.gzipBomb("zeros", 1L << 30);
        assertThat(bomb.length).isLessThan(2 << 20);
        hostile.put("archive expands to more than 67108864 bytes (--max-archive-bytes): entry 'zeros' alone is "
                + (1L << 30) + " bytes", bomb);
        Map<String, ExecutionRequest> rejected = new LinkedHashMap<>();
        hostile.forEach((reason, archive) -> rejected.put(reason,
                archiveRun(isolation, archive, "sh", "-c", "echo must-not-run").build()));

        List<ExecutionRequest> all = new ArrayList<>(accepted.values());
        all.addAll(rejected.values());
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            all.forEach(requests::send);
        }
        ExecutorConfig config = topics.executorConfig(Map.of("group-id", "archives-" + UUID.randomUUID(),
                "concurrency", "2", "max-archive-entries", "50", "max-archive-bytes", "64m",
                "max-artifacts", "64k"));
        long started = System.nanoTime();
        try (ExecutorInstance executor = ExecutorInstance.start(config)) {
            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(),
                    all.stream().map(ExecutionRequest::getRequestId).collect(Collectors.toSet()),
                    Duration.ofMinutes(3));

            ExecutionResult tar = Results.only(results, accepted.get("tar").getRequestId());
            assertThat(tar.getStatus()).as("%s", tar).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(text(tar.getStdout().getData())).isEqualTo("from-archive\nfrom-files\n");
            assertThat(tar.getArtifacts()).extracting(Artifact::getPath).containsExactly("out.txt");
            assertThat(text(tar.getArtifacts().get(0).getData())).isEqualTo("made\n");

            ExecutionResult gz = Results.only(results, accepted.get("tar.gz").getRequestId());
            assertThat(gz.getStatus()).as("%s", gz).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(text(gz.getStdout().getData())).isEqualTo("-rwxr-xr-x\nfrom-archive\nfrom-files\n");

            ExecutionResult glob = Results.only(results, accepted.get("glob").getRequestId());
            assertThat(glob.getArtifacts()).extracting(Artifact::getPath).containsExactly("out/a.txt", "out/c.log");
            assertThat(glob.getArtifacts()).extracting(a -> text(a.getData())).containsExactly("a\n", "c\n");
            assertThat(glob.getError()).isNull();

            ExecutionResult big = Results.only(results, accepted.get("big").getRequestId());
            assertThat(big.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            Artifact bigFile = big.getArtifacts().get(0);
            assertThat(bigFile.getSize()).isEqualTo(200_000);
            assertThat(bigFile.getTruncated()).isTrue();
            assertThat(bigFile.getData().remaining()).isEqualTo(64 * 1024);
            assertThat(big.getError()).isEqualTo("artifacts: 1 files truncated at 65536 artifact bytes in all "
                    + "(--max-artifacts)");

            ExecutionResult planted = Results.only(results, accepted.get("planted").getRequestId());
            assertThat(planted.getStatus()).as("%s", planted).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(text(planted.getStdout().getData())).isEqualTo("host-link-refused\n");
            assertThat(planted.getArtifacts()).isNotEmpty().allSatisfy(a -> {
                assertThat(a.getPath()).isIn("out/a.txt", "out/hard.txt");
                assertThat(text(a.getData())).isEqualTo("inside\n");
            });
            assertThat(planted.getError()).contains("out/link.txt (symbolic link)", "out/root (symbolic link)",
                    "out/pipe.txt (FIFO)").doesNotContain("hostlink");
            String names = planted.getArtifacts().stream().map(Artifact::getPath).collect(Collectors.joining(","))
                    + planted.getError();
            assertThat(names).contains("out/a.txt", "out/hard.txt");
            assertThat(results).allSatisfy(r -> {
                assertThat(r.getArtifacts()).noneSatisfy(a -> assertThat(text(a.getData())).contains(token));
                assertThat(text(r.getStdout().getData()) + text(r.getStderr().getData())).doesNotContain(token);
            });

            rejected.forEach((reason, request) -> {
                ExecutionResult result = Results.only(results, request.getRequestId());
                assertThat(result.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
                assertThat(result.getError()).isEqualTo(reason);
            });
            List<ConsumerRecord<String, byte[]>> deadLetters = TopicReader.readCommitted(bootstrap,
                    topics.deadLetters(), read -> read.size() >= rejected.size(), Duration.ofSeconds(30),
                    Duration.ofSeconds(1));
            assertThat(deadLetters).extracting(ConsumerRecord::key).containsAll(
                    rejected.values().stream().map(ExecutionRequest::getRequestId).toList());
        }
        System.out.printf("WorkspaceArchiveIT %s: %d requests in %d ms%n", isolation, all.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    private static ExecutionRequest.Builder archiveRun(Isolation isolation, byte[] archive, String... argv) {
        return Requests.command(isolation, argv).setArchive(ByteBuffer.wrap(archive))
                .setFiles(List.of(new FileEntry("src/data/b.txt",
                        ByteBuffer.wrap("from-files\n".getBytes(StandardCharsets.UTF_8)), false)))
                .setCollect(List.of("out.txt"));
    }

    private static String text(ByteBuffer data) {
        return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
    }
}
