package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.StartFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a program that could not be executed (not found, not executable, argument list too long) from one that ran
 * and failed, so the former is reported as the user's failure with the OS's reason and a shell's exit code (127 not
 * found, 126 otherwise) instead of being retried as an infrastructure fault.
 *
 * <p>Two places where that happens:
 * <ul>
 *   <li>the innermost wrapper's {@code execvp} of the user's program fails: util-linux tools ({@code setpriv},
 *       {@code prlimit}, {@code unshare}, {@code setsid}) print {@code TOOL: failed to execute PROG: REASON} and exit
 *       127/126; bubblewrap prints {@code bwrap: execvp PROG: REASON} and exits 1. The run's whole stderr is then
 *       that one line — a program that ran and printed more is never taken for one that did not start;</li>
 *   <li>starting the first process fails in the JVM ({@code error=7, Argument list too long}): E2BIG is always the
 *       request's size; ENOENT/EACCES are the user's only when no wrapper stands in front of the program (else the
 *       wrapper is missing, which is ours).</li>
 * </ul>
 */
final class ExecFailures {

    private static final Pattern UTIL_LINUX = Pattern.compile(
            "(?:setpriv|prlimit|unshare|setsid|env): failed to execute (.+): ([^:\\n]+)");
    private static final Pattern BWRAP = Pattern.compile("bwrap: execvp (.+): ([^:\\n]+)");
    private static final Pattern JVM_START = Pattern.compile("error=(\\d+), (.+)");
    private static final int E2BIG = 7;
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int ENOEXEC = 8;

    private ExecFailures() {
    }

    /** {@code outcome} marked as a start failure when its stderr is only a wrapper's exec error. */
    static SandboxOutcome classify(SandboxOutcome outcome) {
        if (outcome.timedOut() || outcome.exitCode().isEmpty() || outcome.stdout().totalBytes() > 0) {
            return outcome;
        }
        return fromWrapper(outcome.exitCode().getAsInt(), outcome.stderr())
                .map(outcome::asStartFailure)
                .orElse(outcome);
    }

    static Optional<StartFailure> fromWrapper(int exitCode, CapturedStream stderr) {
        if (stderr.truncated() || stderr.totalBytes() > 4096) {
            return Optional.empty();
        }
        String text = new String(stderr.kept(), StandardCharsets.UTF_8).strip();
        Matcher util = UTIL_LINUX.matcher(text);
        if ((exitCode == 126 || exitCode == 127) && util.matches()) {
            return Optional.of(StartFailure.of(util.group(1), util.group(2)));
        }
        Matcher bwrap = BWRAP.matcher(text);
        if (exitCode == 1 && bwrap.matches()) {
            return Optional.of(StartFailure.of(bwrap.group(1), bwrap.group(2)));
        }
        return Optional.empty();
    }

    /**
     * The start failure behind a {@link ProcessBuilder#start()} exception, when it is the user's.
     *
     * @param programIsFirst true when the process started is the user's program itself (no wrapper in front)
     */
    static Optional<StartFailure> fromStart(IOException e, String program, boolean programIsFirst) {
        Matcher m = JVM_START.matcher(String.valueOf(e.getMessage()));
        if (!m.find()) {
            return Optional.empty();
        }
        int errno = Integer.parseInt(m.group(1));
        String reason = m.group(2).strip();
        if (errno == E2BIG) {
            return Optional.of(StartFailure.argumentListTooLong(program, reason));
        }
        if (programIsFirst && (errno == ENOENT || errno == EACCES || errno == ENOEXEC)) {
            return Optional.of(StartFailure.of(program, reason));
        }
        return Optional.empty();
    }
}
