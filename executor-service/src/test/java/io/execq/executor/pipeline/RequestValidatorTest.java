package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.Network;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private final RequestValidator validator = new RequestValidator(
            new ImagePolicy("execq/busybox:latest", Map.of("python", "execq/python:3.11"), List.of("execq/*")),
            new LimitPolicy(new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20),
                    new EffectiveLimits(600_000L, 2L << 30, 4000, 1024, 4L << 20)),
            1 << 20, "executor-test");

    private static ExecutionRequest.Builder request() {
        return ExecutionRequest.newBuilder().setRequestId("r1").setSubmittedAt(Instant.EPOCH)
                .setCommand(List.of("echo", "hi"));
    }

    @Test
    void preparesASpecWithResolvedImageAndLimits() throws Exception {
        ExecutionRequest request = request().setImage("python")
                .setStdin(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setFiles(List.of(new FileEntry("src/main.py", ByteBuffer.wrap("print(1)".getBytes()), false)))
                .setEnv(Map.of("K", "V")).setWorkingDir("src")
                .setLimits(new Limits(5_000L, null, null, null, null)).build();

        PreparedRun run = validator.prepare(request, "r1", 100);

        assertThat(run.image()).isEqualTo("execq/python:3.11");
        assertThat(run.limits().getTimeoutMillis()).isEqualTo(5_000L);
        assertThat(run.spec().image()).isEqualTo("execq/python:3.11");
        assertThat(run.spec().argv()).containsExactly("echo", "hi");
        assertThat(run.spec().stdin()).containsExactly(1, 2, 3);
        assertThat(run.spec().files()).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo("src/main.py"));
        assertThat(run.spec().env()).containsEntry("K", "V");
        assertThat(run.spec().workingDir()).contains("src");
        assertThat(run.spec().limits().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(run.spec().executorId()).isEqualTo("executor-test");
    }

    @Test
    void emptyCommandIsRejected() {
        assertThatThrownBy(() -> validator.prepare(request().setCommand(List.of()).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class).hasMessage("command must not be empty");
    }

    @Test
    void oversizedRequestIsRejected() {
        assertThatThrownBy(() -> validator.prepare(request().build(), "r1", (1 << 20) + 1))
                .hasMessage("request is 1048577 bytes; the limit is 1048576 bytes");
    }

    @Test
    void anArgumentOverTheKernelsStringLimitIsRejectedWithTheLimitAndWhatToDo() {
        ExecutionRequest request = request().setCommand(List.of("python3", "-c", "x".repeat(360 * 1024))).build();
        assertThatThrownBy(() -> validator.prepare(request, "r1", 400_000))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining("command[2] is 368,640 bytes")
                .hasMessageContaining("MAX_ARG_STRLEN")
                .hasMessageContaining("in a file (request files) or pass it on stdin");
    }

    @Test
    void theHostsArgMaxBoundsTheTotalOfArgvAndEnv() {
        RequestValidator smallHost = new RequestValidator(
                new ImagePolicy("execq/busybox:latest", Map.of(), List.of("execq/*")),
                new LimitPolicy(new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20),
                        new EffectiveLimits(600_000L, 2L << 30, 4000, 1024, 4L << 20)),
                1 << 20, "executor-test", HostExecLimits.parse("65536"));
        ExecutionRequest request = request().setEnv(Map.of("DATA", "d".repeat(40_000))).build();
        assertThatThrownBy(() -> smallHost.prepare(request, "r1", 50_000))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining("the limit is 32,768 bytes (half of the kernel's ARG_MAX of 65,536");
    }

    @Test
    void keyThatDiffersFromTheRequestIdIsRejected() {
        assertThatThrownBy(() -> validator.prepare(request().build(), "other", 10))
                .hasMessage("record key 'other' differs from requestId 'r1'");
    }

    @Test
    void unknownIsolationIsRejected() {
        assertThatThrownBy(() -> validator.prepare(request().setIsolation(Isolation.UNKNOWN).build(), "r1", 10))
                .hasMessage("isolation must be CONTAINER, PREFER_CONTAINER or PROCESS, got UNKNOWN");
    }

    @Test
    void fileEscapingTheWorkspaceIsRejected() {
        ExecutionRequest escaping = request().setFiles(List.of(
                new FileEntry("../etc/passwd", ByteBuffer.wrap(new byte[0]), false))).build();

        assertThatThrownBy(() -> validator.prepare(escaping, "r1", 10))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("file path must not contain '..', got ../etc/passwd");
    }

    @Test
    void disallowedImageIsRejected() {
        assertThatThrownBy(() -> validator.prepare(request().setImage("alpine:3.17").build(), "r1", 10))
                .hasMessageStartingWith("image 'alpine:3.17' is not allowed");
    }

    @Test
    void preparesTheArchiveAndTheArtifactPatternsUnderTheOperatorsCaps() throws Exception {
        byte[] tar = io.execq.testing.TestArchives.tar().file("src/a.py", "print(1)").gzip();
        PreparedRun run = validator.prepare(request().setArchive(ByteBuffer.wrap(tar))
                .setFiles(List.of(new FileEntry("src/a.py", ByteBuffer.wrap("print(2)".getBytes()), false)))
                .setCollect(List.of("out/*.txt")).build(), "r1", 100);

        assertThat(run.spec().archive()).hasValueSatisfying(a -> assertThat(a.entries()).hasSize(1));
        assertThat(run.spec().overridesArchiveFile("src/a.py")).isTrue();
        assertThat(run.spec().collect()).isEqualTo(new io.execq.executor.sandbox.CollectSpec(List.of("out/*.txt"),
                100, 1L << 20));
    }

    @Test
    void rejectsHostileArchivesAndPatternsWithTheirReason() {
        byte[] escape = io.execq.testing.TestArchives.tar().file("../x", "x").bytes();
        assertThatThrownBy(() -> validator.prepare(request().setArchive(ByteBuffer.wrap(escape)).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("archive entry '../x' escapes the workspace with '..'");
        assertThatThrownBy(() -> validator.prepare(request().setCollect(List.of("../*")).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("collect pattern must not contain '..', got ../*");
        byte[] dirConflict = io.execq.testing.TestArchives.tar().dir("src").bytes();
        assertThatThrownBy(() -> validator.prepare(request().setArchive(ByteBuffer.wrap(dirConflict))
                .setFiles(List.of(new FileEntry("src", ByteBuffer.wrap(new byte[1]), false))).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("file path 'src' is a directory of the archive");
    }

    @Test
    void rejectsAnArchiveThatDoesNotFitTheRunsWorkspace() {
        RequestValidator small = new RequestValidator(
                new ImagePolicy("execq/busybox:latest", Map.of(), List.of("execq/*")),
                new LimitPolicy(new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20),
                        new EffectiveLimits(600_000L, 2L << 30, 4000, 1024, 4L << 20)),
                1 << 20, "executor-test", io.execq.sdk.ExecLimits.DEFAULT,
                new WorkspacePolicy(io.execq.executor.sandbox.ArchiveLimits.DEFAULT, 1L << 20, 100, 1L << 20));
        io.execq.testing.TestArchives many = io.execq.testing.TestArchives.tar();
        for (int i = 0; i < 257; i++) {
            many.file("f" + i, "x"); // 257 bytes of content, 257 pages of tmpfs
        }
        assertThatThrownBy(() -> small.prepare(request().setArchive(ByteBuffer.wrap(many.gzip())).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("archive and files need 1052672 bytes of workspace (files rounded up to 4096-byte "
                        + "pages); this run's workspace holds 1048576 bytes (--max-workspace, at most half the "
                        + "memory limit)");
    }

    @Test
    void theBridgeNetworkOnlyWhenTheOperatorAllowsItAndNeverOnTheProcessFallback() throws Exception {
        ExecutionRequest bridged = request().setNetwork(Network.BRIDGE).build();
        assertThatThrownBy(() -> validator.prepare(bridged, "r1", 10)).isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining("network BRIDGE is not allowed").hasMessageContaining("--allow-network bridge");
        assertThatThrownBy(() -> validator.prepare(request().setNetwork(Network.UNKNOWN).build(), "r1", 10))
                .isInstanceOf(RequestRejectedException.class).hasMessageContaining("network UNKNOWN is unknown");

        RequestValidator allowing = validator.allowingBridgeNetwork();
        PreparedRun run = allowing.prepare(bridged, "r1", 10);
        assertThat(run.spec().network()).isEqualTo(Network.BRIDGE);
        assertThat(run.isolation()).as("never falls back to the process sandbox").isEqualTo(Isolation.CONTAINER);
        assertThatThrownBy(() -> allowing.prepare(request().setNetwork(Network.BRIDGE).setIsolation(Isolation.PROCESS)
                .build(), "r1", 10)).isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining("needs a container");
        PreparedRun isolated = allowing.prepare(request().build(), "r1", 10);
        assertThat(isolated.spec().network()).isEqualTo(Network.NONE);
        assertThat(isolated.isolation()).isEqualTo(isolated.request().getIsolation());
    }
}
