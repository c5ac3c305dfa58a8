package io.execq.executor.sandbox.docker;

import io.execq.executor.sandbox.CapturedStream;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.StartFailure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a program a container could not execute (not found, not executable, argument list too long) from one that
 * ran and failed, so that the former is the user's failure with the OS's reason and a shell's exit code (127 not
 * found, 126 otherwise) and is never retried as an infrastructure fault. The reasons read like the process
 * sandbox's ({@code command not found: PROG: REASON}, {@code cannot execute: PROG: REASON}).
 *
 * <p>Where it happens (see {@link RunDeadline} for the process tree): the container starts normally and the exec
 * that fails is
 * <ul>
 *   <li>busybox timeout's, the deadline helper's exec of the program: {@code timeout: can't execute 'PROG': REASON}
 *       on stderr, exit 127 (ENOENT) or 126;</li>
 *   <li>the image's {@code env}, which looks up names busybox also provides and runs a warm container's program:
 *       {@code env: 'PROG': REASON} (coreutils; {@code ‘PROG’} in a UTF-8 locale, and prefixed with the path it was
 *       run by) or {@code env: can't execute 'PROG': REASON} (busybox), exit 127 or 126. An image without
 *       {@code /usr/bin/env} shows up as the timeout failing to execute {@value RunDeadline#IMAGE_ENV}, which is
 *       reported as the program not found, saying why;</li>
 *   <li>tini's, of the program, without the helper: {@code [FATAL tini (N)] exec PROG failed: REASON}, exit 127
 *       (ENOENT), 126 (EACCES) or 1 (anything else);</li>
 *   <li>runc's, of the container's first process, for an argument list the kernel refuses (E2BIG, a string over
 *       128 KiB): {@code exec /sbin/docker-init: argument list too long} on stderr, exit 1 (runc 1.1).</li>
 * </ul>
 * A file without a {@code #!} line is not such a failure: every one of these execs uses {@code execvp}, which hands
 * it to the image's {@code /bin/sh}, as a shell would. In each case the run's whole output is that one line on
 * stderr: a program that ran and printed anything else, or wrote to stdout, is never taken for one that did not
 * start.
 */
final class DockerExecFailures {

    private static final Pattern TINI = Pattern.compile("\\[FATAL tini \\(\\d+\\)\\] exec (.+) failed: ([^\\n]+)");
    private static final Pattern TIMEOUT = Pattern.compile("timeout: can't execute '(.+)': ([^\\n]+)");
    private static final Pattern ENV = Pattern.compile("(?:\\S*/)?env: (?:can't execute )?['\u2018](.+)['\u2019]: ([^\\n]+)");
    private static final Pattern RUNC_E2BIG = Pattern.compile("exec [^\\n]+: argument list too long");
    private static final int MAX_STDERR = 4096;

    private DockerExecFailures() {
    }

    /** {@code outcome} of a run of {@code program}, marked as a start failure when that is what its output says. */
    static SandboxOutcome classify(SandboxOutcome outcome, String program) {
        if (outcome.timedOut() || outcome.exitCode().isEmpty() || outcome.stdout().totalBytes() > 0) {
            return outcome;
        }
        return failure(outcome.exitCode().getAsInt(), outcome.stderr(), program)
                .map(outcome::asStartFailure)
                .orElse(outcome);
    }

    static Optional<StartFailure> failure(int exitCode, CapturedStream stderr, String program) {
        if (stderr.truncated() || stderr.totalBytes() > MAX_STDERR) {
            return Optional.empty();
        }
        String text = new String(stderr.kept(), StandardCharsets.UTF_8).strip();
        Matcher tini = TINI.matcher(text);
        if ((exitCode == 127 || exitCode == 126 || exitCode == 1) && tini.matches()) {
            return Optional.of(StartFailure.of(tini.group(1), tini.group(2)));
        }
        for (Pattern exec : List.of(TIMEOUT, ENV)) {
            Matcher matcher = exec.matcher(text);
            if ((exitCode == 127 || exitCode == 126) && matcher.matches()) {
                return Optional.of(failed(matcher.group(1), matcher.group(2), program));
            }
        }
        if (exitCode == 1 && RUNC_E2BIG.matcher(text).matches()) {
            return Optional.of(StartFailure.argumentListTooLong(program, "Argument list too long"));
        }
        return Optional.empty();
    }

    /** {@code failed} could not be executed; when that is the image's {@code env} looking up {@code program}, says so. */
    private static StartFailure failed(String failed, String reason, String program) {
        if (failed.equals(RunDeadline.IMAGE_ENV) && !program.equals(RunDeadline.IMAGE_ENV)) {
            StartFailure missing = StartFailure.of(program, reason);
            return new StartFailure(missing.exitCode(), missing.reason() + " (the image has no " + RunDeadline.IMAGE_ENV
                    + ", which execq uses to look up names its deadline helper, busybox, also provides; give the "
                    + "program's full path)");
        }
        return StartFailure.of(failed, reason);
    }
}
