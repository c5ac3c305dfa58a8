package io.execq.executor.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.hostile.Expectations.SizeRule;
import io.execq.executor.sandbox.hostile.Expectations.Status;
import io.execq.executor.sandbox.hostile.Expectations.Stream;
import io.execq.executor.sandbox.hostile.Expectations.TextRule;
import io.execq.schema.Backend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

    private static final SandboxOutcome FAILED_WITH_OUTPUT = new SandboxOutcome(OptionalInt.of(3), false, false,
            captured("denied EPERM\n", 13), captured("oops", 4), Instant.EPOCH, Instant.EPOCH.plusSeconds(1),
            Backend.PROCESS, Set.of(), Optional.empty());

    @Test
    void acceptsAnOutcomeThatMeetsEveryRule() {
        Expectations expect = new Expectations(Set.of(Status.FAILED, Status.TIMED_OUT), OptionalInt.of(3),
                Optional.of(Duration.ofSeconds(5)),
                List.of(new TextRule(Stream.STDOUT, "matches", "^denied E[A-Z]+$"), new TextRule(Stream.OUTPUT, "contains", "oops"),
                        new TextRule(Stream.STDERR, "not-contains", "ALLOWED")),
                List.of(new SizeRule(Stream.STDOUT, "total", 13), new SizeRule(Stream.STDERR, "kept", 4)),
                Optional.of(Expectations.sha256("denied EPERM\n".getBytes(StandardCharsets.UTF_8))));

        assertThat(expect.violations(FAILED_WITH_OUTPUT, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void namesEveryRuleTheOutcomeMisses() {
        Expectations expect = new Expectations(Set.of(Status.SUCCEEDED), OptionalInt.of(0), Optional.of(Duration.ofSeconds(5)),
                List.of(new TextRule(Stream.STDOUT, "not-contains", "EPERM")),
                List.of(new SizeRule(Stream.STDOUT, "kept", 12)), Optional.of("00"));

        assertThat(expect.violations(FAILED_WITH_OUTPUT, Duration.ofSeconds(6))).containsExactly(
                "status FAILED, expected one of [SUCCEEDED] (exit OptionalInt[3], stderr: 'oops')",
                "exit code OptionalInt[3], expected 0",
                "the run took 6000 ms, more than 5000 ms",
                "stdout not-contains 'EPERM' failed; stdout was: 'denied EPERM\\n'",
                "stdout kept bytes 13, expected 12",
                "stdout sha256 " + Expectations.sha256("denied EPERM\n".getBytes(StandardCharsets.UTF_8)) + ", expected 00");
    }

    private static CapturedStream captured(String text, long total) {
        return new CapturedStream(text.getBytes(StandardCharsets.UTF_8), total, total > text.length());
    }
}
