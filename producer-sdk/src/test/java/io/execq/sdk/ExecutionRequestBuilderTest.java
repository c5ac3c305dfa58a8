package io.execq.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExecutionRequestBuilderTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:15:30.123456789Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void streamOutputIsOffUnlessAskedFor() {
        assertThat(ExecutionRequests.command("true").build().getStreamOutput()).isFalse();
        assertThat(ExecutionRequests.command("true").streamOutput(true).build().getStreamOutput()).isTrue();
    }

    @Test
    void defaultsToRandomIdClockTimeAndExecutorDefaults() {
        ExecutionRequest request = ExecutionRequests.command("true").clock(CLOCK).build();

        assertThat(UUID.fromString(request.getRequestId()).toString()).isEqualTo(request.getRequestId());
        assertThat(request.getSubmittedAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123Z"));
        assertThat(request.getCommand()).containsExactly("true");
        assertThat(request.getLimits()).isNull();
        assertThat(request.getImage()).isNull();
        assertThat(request.getDeadline()).isNull();
        assertThat(request.getStdin()).isNull();
        assertThat(request.getFiles()).isEmpty();
        assertThat(request.getEnv()).isEmpty();
        assertThat(request.getIsolation()).isEqualTo(Isolation.PREFER_CONTAINER);
        assertThat(request.getAttempt()).isEqualTo(1);
        assertThat(request.getReplayOf()).isNull();
    }

    @Test
    void eachBuildGetsAFreshRequestId() {
        ExecutionRequestBuilder builder = ExecutionRequests.command("true");

        assertThat(builder.build().getRequestId()).isNotEqualTo(builder.build().getRequestId());
    }

    @Test
    void setsEveryField() {
        byte[] script = "print(6*7)".getBytes(StandardCharsets.UTF_8);
        ExecutionRequest request = ExecutionRequests.command("python3", "main.py")
                .requestId("req-1")
                .submittedAt(NOW)
                .deadline(NOW.plusSeconds(60))
                .image("execq/python:3.11")
                .stdin("input")
                .file("main.py", script)
                .executableFile("bin/run.sh", new byte[] {1})
                .files(List.of(new FileEntry("data/x.txt", ByteBuffer.wrap(new byte[] {2}), false)))
                .env("K", "V")
                .env(Map.of("L", "W"))
                .workingDir("src")
                .timeout(Duration.ofSeconds(10))
                .memoryBytes(64L << 20)
                .cpus(0.5)
                .pids(32)
                .maxOutputBytes(1024)
                .isolation(Isolation.CONTAINER)
                .label("team", "x")
                .labels(Map.of("env", "test"))
                .attempt(3)
                .replayOf("req-0")
                .build();

        assertThat(request.getRequestId()).isEqualTo("req-1");
        assertThat(request.getSubmittedAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123Z"));
        assertThat(request.getDeadline()).isEqualTo(Instant.parse("2025-03-01T10:16:30.123Z"));
        assertThat(request.getImage()).isEqualTo("execq/python:3.11");
        assertThat(request.getCommand()).containsExactly("python3", "main.py");
        assertThat(StandardCharsets.UTF_8.decode(request.getStdin()).toString()).isEqualTo("input");
        assertThat(request.getFiles()).containsExactly(
                new FileEntry("main.py", ByteBuffer.wrap(script), false),
                new FileEntry("bin/run.sh", ByteBuffer.wrap(new byte[] {1}), true),
                new FileEntry("data/x.txt", ByteBuffer.wrap(new byte[] {2}), false));
        assertThat(request.getEnv()).containsExactlyInAnyOrderEntriesOf(Map.of("K", "V", "L", "W"));
        assertThat(request.getWorkingDir()).isEqualTo("src");
        assertThat(request.getLimits()).isEqualTo(new Limits(10_000L, 64L << 20, 500, 32, 1024L));
        assertThat(request.getIsolation()).isEqualTo(Isolation.CONTAINER);
        assertThat(request.getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("team", "x", "env", "test"));
        assertThat(request.getAttempt()).isEqualTo(3);
        assertThat(request.getReplayOf()).isEqualTo("req-0");
    }

    @Test
    void milliCpusAndCpusSetTheSameField() {
        assertThat(ExecutionRequests.command("true").milliCpus(1500).build().getLimits().getMilliCpus())
                .isEqualTo(1500);
        assertThat(ExecutionRequests.command("true").cpus(1.5).build().getLimits().getMilliCpus()).isEqualTo(1500);
    }

    @Test
    void copiesByteArraysSoLaterChangesDoNotLeakIn() {
        byte[] content = {1, 2, 3};
        ExecutionRequestBuilder builder = ExecutionRequests.command("cat").stdin(content).file("f", content);
        content[0] = 9;

        ExecutionRequest request = builder.build();

        assertThat(request.getStdin()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(request.getFiles().get(0).getContent()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                invalid("command must not be empty", b -> ExecutionRequests.command()),
                invalid("command[0] must not be blank", b -> ExecutionRequests.command(" ", "x")),
                invalid("command[1] must not be null", b -> ExecutionRequests.command(Arrays.asList("echo", null))),
                invalid("command[1] must not contain a NUL character", b -> ExecutionRequests.command("echo", "a\0b")),
                invalid("env key must not be empty", b -> b.env("", "v")),
                invalid("env key must not contain '=', got A=B", b -> b.env("A=B", "v")),
                invalid("env key A? must not contain a NUL character", b -> b.env("A\0", "v")),
                invalid("env value of A must not contain a NUL character", b -> b.env("A", "x\0")),
                invalid("memoryBytes must be positive, got 0", b -> b.memoryBytes(0)),
                invalid("milliCpus must be positive, got -1", b -> b.milliCpus(-1)),
                invalid("pids must be positive, got 0", b -> b.pids(0)),
                invalid("maxOutputBytes must be positive, got -5", b -> b.maxOutputBytes(-5)),
                invalid("file path must not be empty", b -> b.file("", new byte[0])),
                invalid("file path must be relative to the workspace, got /etc/passwd",
                        b -> b.file("/etc/passwd", new byte[0])),
                invalid("file path must not contain '..', got a/../../b", b -> b.file("a/../../b", new byte[0])),
                invalid("file path must not contain '..', got ..", b -> b.file("..", new byte[0])),
                invalid("file path must name a file, got ./", b -> b.file("./", new byte[0])),
                invalid("file path must name a file, got dir/", b -> b.file("dir/", new byte[0])),
                invalid("file path ./main.py is given twice",
                        b -> b.file("main.py", new byte[0]).executableFile("./main.py", new byte[0])),
                invalid("deadline 2025-03-01T10:15:30.123Z must be after submittedAt 2025-03-01T10:15:30.123Z",
                        b -> b.deadline(NOW)),
                invalid("deadline 2025-03-01T10:14:30.123Z must be after submittedAt 2025-03-01T10:15:30.123Z",
                        b -> b.deadline(NOW.minusSeconds(60))),
                invalid("image must not be blank", b -> b.image(" ")),
                invalid("workingDir must not be blank", b -> b.workingDir("")),
                invalid("requestId must not be blank", b -> b.requestId(" ")),
                invalid("isolation must be CONTAINER, PREFER_CONTAINER or PROCESS, got UNKNOWN",
                        b -> b.isolation(Isolation.UNKNOWN)),
                invalid("label key must not be empty", b -> b.label("", "x")),
                invalid("attempt must be at least 1, got 0", b -> b.attempt(0)),
                invalid("replayOf must not be blank", b -> b.replayOf("")));
    }

    private static Arguments invalid(String message, UnaryOperator<ExecutionRequestBuilder> change) {
        return Arguments.of(message, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void buildRefusesInvalidRequestWithExactMessage(String message, UnaryOperator<ExecutionRequestBuilder> change) {
        ExecutionRequestBuilder builder = change.apply(ExecutionRequests.command("echo").submittedAt(NOW));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void timeoutSetterRefusesNonPositiveAndSubMillisecondDurations() {
        ExecutionRequestBuilder builder = ExecutionRequests.command("true");

        assertThatThrownBy(() -> builder.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive, got PT0S");
        assertThatThrownBy(() -> builder.timeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive, got PT-1S");
        assertThatThrownBy(() -> builder.timeout(Duration.ofNanos(500_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be at least 1 ms, got PT0.0005S");
    }

    @Test
    void cpusSetterRefusesValuesOutsideTheRepresentableRange() {
        ExecutionRequestBuilder builder = ExecutionRequests.command("true");

        assertThatThrownBy(() -> builder.cpus(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus must be between 0.001 and 2147483.647, got 0.0");
        assertThatThrownBy(() -> builder.cpus(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus must be between 0.001 and 2147483.647, got NaN");
        assertThatThrownBy(() -> builder.cpus(3e6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus must be between 0.001 and 2147483.647, got 3000000.0");
    }

    @Test
    void validateAppliesTheBuilderRulesToHandMadeRequests() {
        ExecutionRequest valid = ExecutionRequests.command("true").build();
        ExecutionRequest handMade = ExecutionRequest.newBuilder(valid).setLimits(new Limits(0L, null, null, null, null))
                .build();

        assertThat(ExecutionRequests.validate(valid)).isSameAs(valid);
        assertThatThrownBy(() -> ExecutionRequests.validate(handMade)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeoutMillis must be positive, got 0");
    }

    @Test
    void networkIsNoneUnlessTheRequestAsksForTheBridge() {
        ExecutionRequestBuilder builder = ExecutionRequests.command("true");
        assertThat(builder.build().getNetwork()).isEqualTo(io.execq.schema.Network.NONE);
        assertThat(builder.network(io.execq.schema.Network.BRIDGE).build().getNetwork())
                .isEqualTo(io.execq.schema.Network.BRIDGE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.network(io.execq.schema.Network.UNKNOWN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NONE or BRIDGE");
    }
}
