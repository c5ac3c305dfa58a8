package io.execq.schema.serde;

import io.execq.schema.Artifact;
import io.execq.schema.Backend;
import io.execq.schema.CancelRequest;
import io.execq.schema.CapturedOutput;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import io.execq.schema.Network;
import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import io.execq.schema.Protection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Records with every field set, for round trips. */
final class Samples {

    static final Instant SUBMITTED = Instant.parse("2026-11-22T10:15:30.123Z");

    private Samples() {
    }

    static ExecutionRequest fullRequest() {
        return ExecutionRequest.newBuilder()
                .setRequestId("req-1")
                .setSubmittedAt(SUBMITTED)
                .setDeadline(SUBMITTED.plusSeconds(60))
                .setImage("execq/python:3.11")
                .setCommand(List.of("python3", "main.py"))
                .setStdin(bytes("input\n"))
                .setFiles(List.of(new FileEntry("main.py", bytes("print(6*7)\n"), false),
                        new FileEntry("bin/run.sh", bytes("#!/bin/sh\n"), true)))
                .setEnv(Map.of("K", "V"))
                .setWorkingDir("/work/sub")
                .setLimits(new Limits(10_000L, 64L << 20, 500, 64, 1L << 20))
                .setIsolation(Isolation.CONTAINER)
                .setLabels(Map.of("team", "grading"))
                .setAttempt(2)
                .setReplayOf("req-0")
                .setArchive(bytes("not really a tar"))
                .setCollect(List.of("reports/*.xml"))
                .setStreamOutput(true)
                .setNetwork(Network.BRIDGE)
                .build();
    }

    static ExecutionResult fullResult() {
        return ExecutionResult.newBuilder()
                .setRequestId("req-1")
                .setAttempt(2)
                .setStatus(ExecutionStatus.TIMED_OUT)
                .setExitCode(137)
                .setStdout(new CapturedOutput(bytes("partial"), 9_000_000L, true))
                .setStderr(new CapturedOutput(bytes(""), 0L, false))
                .setTimedOut(true)
                .setOomKilled(false)
                .setBackend(Backend.DOCKER)
                .setImage("execq/python:3.11")
                .setImageDigest("sha256:0123456789abcdef")
                .setLimits(new EffectiveLimits(10_000L, 64L << 20, 500, 64, 1L << 20))
                .setProtections(List.of(Protection.NETWORK_ISOLATED, Protection.READ_ONLY_ROOT_FS,
                        Protection.SECCOMP_FILTER))
                .setSandboxRuntime("runc")
                .setSeccompProfile("execq-default")
                .setExecutorId("executor-a")
                .setSubmittedAt(SUBMITTED)
                .setStartedAt(SUBMITTED.plusMillis(40))
                .setFinishedAt(SUBMITTED.plusMillis(10_040))
                .setQueueWaitMs(40L)
                .setRunMs(10_000L)
                .setError("timed out after 10s")
                .setLabels(Map.of("team", "grading"))
                .setReplayOf("req-0")
                .setSignal(9)
                .setArtifacts(List.of(new Artifact("reports/a.xml", bytes("<a/>"), 4L, false)))
                .setCancelledAt(SUBMITTED.plusMillis(10_041))
                .build();
    }

    static OutputChunk chunk() {
        return OutputChunk.newBuilder().setRequestId("req-1").setAttempt(2).setRunId("run-1").setSequence(3L)
                .setStream(OutputStream.STDERR).setData(bytes("line\n")).setAt(SUBMITTED).setDropped(0L).build();
    }

    static CancelRequest cancel() {
        return CancelRequest.newBuilder().setRequestId("req-1").setRequestedAt(SUBMITTED).setRequestedBy("ops")
                .build();
    }

    /** The full sample of record {@code name}, serialized by its serializer. */
    static byte[] serialize(String name) {
        return switch (name) {
            case "ExecutionRequest" -> new ExecutionRequestSerializer().serialize("t", fullRequest());
            case "ExecutionResult" -> new ExecutionResultSerializer().serialize("t", fullResult());
            case "OutputChunk" -> new OutputChunkSerializer().serialize("t", chunk());
            case "CancelRequest" -> new CancelRequestSerializer().serialize("t", cancel());
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The deserializer of record {@code name}. */
    static org.apache.kafka.common.serialization.Deserializer<?> deserializer(String name) {
        return switch (name) {
            case "ExecutionRequest" -> new ExecutionRequestDeserializer();
            case "ExecutionResult" -> new ExecutionResultDeserializer();
            case "OutputChunk" -> new OutputChunkDeserializer();
            case "CancelRequest" -> new CancelRequestDeserializer();
            default -> throw new IllegalArgumentException(name);
        };
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
