package io.execq.executor.sandbox.hostile;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the outcome of a hostile run must show: the {@code expect-*} keys of a case file.
 *
 * @param status the statuses the run may end in (empty: any)
 * @param exitCode the exit code the run must report, if set
 * @param maxDuration the longest the run may take from {@code run()} to its return
 * @param text rules on the captured text of stdout, stderr or both
 * @param sizes rules on the kept and total byte counts of a stream
 * @param stdoutSha256 the SHA-256 of the kept stdout bytes, hex, if set
 */
public record Expectations(
        Set<Status> status,
        OptionalInt exitCode,
        Optional<Duration> maxDuration,
        List<TextRule> text,
        List<SizeRule> sizes,
        Optional<String> stdoutSha256) {

    public Expectations {
        status = Set.copyOf(status);
        text = List.copyOf(text);
        sizes = List.copyOf(sizes);
    }

    /** How a run ended, as {@code ResultFactory} names it. */
    public enum Status {
        TIMED_OUT, OOM_KILLED, SUCCEEDED, FAILED;

        static Status of(SandboxOutcome outcome) {
            if (outcome.timedOut()) {
                return TIMED_OUT;
            }
            if (outcome.oomKilled()) {
                return OOM_KILLED;
            }
            return outcome.exitCode().getAsInt() == 0 ? SUCCEEDED : FAILED;
        }
    }

    /** Which captured stream a rule reads. */
    public enum Stream {
        STDOUT, STDERR, OUTPUT;

        String text(SandboxOutcome outcome) {
            return switch (this) {
                case STDOUT -> outcome.stdout().text();
                case STDERR -> outcome.stderr().text();
                case OUTPUT -> outcome.stdout().text() + outcome.stderr().text();
            };
        }
    }

    /** {@code expect-<stream>-contains|not-contains|matches: value}; {@code matches} is a regex found anywhere. */
    public record TextRule(Stream stream, String kind, String value) {
        Optional<String> violation(SandboxOutcome outcome) {
            String text = stream.text(outcome);
            boolean ok = switch (kind) {
                case "contains" -> text.contains(value);
                case "not-contains" -> !text.contains(value);
                case "matches" -> Pattern.compile(value, Pattern.MULTILINE).matcher(text).find();
                default -> throw new IllegalStateException(kind);
            };
            return ok ? Optional.empty()
                    : Optional.of(stream.name().toLowerCase() + " " + kind + " '" + value + "' failed; " + stream.name().toLowerCase()
                            + " was: " + excerpt(text));
        }
    }

    /** {@code expect-<stdout|stderr>-<kept|total>-bytes: n}. */
    public record SizeRule(Stream stream, String kind, long bytes) {
        Optional<String> violation(SandboxOutcome outcome) {
            CapturedStream captured = stream == Stream.STDOUT ? outcome.stdout() : outcome.stderr();
            long actual = kind.equals("kept") ? captured.kept().length : captured.totalBytes();
            return actual == bytes ? Optional.empty()
                    : Optional.of(stream.name().toLowerCase() + " " + kind + " bytes " + actual + ", expected " + bytes);
        }
    }

    /** Every way {@code outcome}, which took {@code took}, misses these expectations. */
    List<String> violations(SandboxOutcome outcome, Duration took) {
        List<String> out = new ArrayList<>();
        Status actual = Status.of(outcome);
        if (!status.isEmpty() && !status.contains(actual)) {
            out.add("status " + actual + ", expected one of " + status + " (exit " + outcome.exitCode() + ", stderr: "
                    + excerpt(outcome.stderr().text()) + ")");
        }
        exitCode.ifPresent(code -> {
            if (outcome.exitCode().isEmpty() || outcome.exitCode().getAsInt() != code) {
                out.add("exit code " + outcome.exitCode() + ", expected " + code);
            }
        });
        maxDuration.ifPresent(max -> {
            if (took.compareTo(max) > 0) {
                out.add("the run took " + took.toMillis() + " ms, more than " + max.toMillis() + " ms");
            }
        });
        text.forEach(rule -> rule.violation(outcome).ifPresent(out::add));
        sizes.forEach(rule -> rule.violation(outcome).ifPresent(out::add));
        stdoutSha256.ifPresent(expected -> {
            String sha = sha256(outcome.stdout().kept());
            if (!sha.equals(expected)) {
                out.add("stdout sha256 " + sha + ", expected " + expected);
            }
        });
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String excerpt(String text) {
        String oneLine = text.replace("\n", "\\n");
        return "'" + (oneLine.length() > 1200 ? oneLine.substring(0, 1200) + "..." : oneLine) + "'";
    }
}
