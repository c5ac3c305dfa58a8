package io.execq.executor.sandbox.hostile;

import io.execq.executor.sandbox.SandboxLimits;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One hostile program of the corpus, read from {@code src/test/resources/hostile/<id>.case} by
 * {@link HostileCaseFile}: the program, where it comes from, the limits it runs under and the containment it must
 * meet. The file format and every key are described in {@code docs/hostile-corpus.md}.
 *
 * @param id the file's name without {@code .case}
 * @param title one line
 * @param sources where the attack comes from: a peer's test or a security report, with a link
 * @param proves what containing this case shows, one sentence
 * @param language how the program text is run: {@code python3 -c TEXT} or {@code sh -c TEXT}
 * @param program the hostile program's text
 * @param companion a second program run concurrently in the same sandbox before the hostile one starts (a victim
 *     the hostile program looks for), if any
 * @param limits the run's limits
 * @param stdinBytes how many bytes of stdin (the bytes 0..255, repeated) the program is fed
 * @param runs how many times the program is run one after the other (a later run looks for what an earlier one left)
 * @param workspaceFile the name of a file placed in the workspace before the run, if any (Docker then builds the
 *     workspace on a volume instead of a tmpfs)
 * @param expect what the outcome of every run must show
 * @param hostChecks the host checks this case attacks (every check runs after every case; these name its target)
 * @param exceptions per backend, the checks whose violations are a documented exception, with the reason
 */
public record HostileCase(
        String id,
        String title,
        List<String> sources,
        String proves,
        Language language,
        String program,
        Optional<String> companion,
        SandboxLimits limits,
        int stdinBytes,
        int runs,
        Optional<String> workspaceFile,
        Expectations expect,
        Set<String> hostChecks,
        Map<String, Map<String, String>> exceptions) {

    public HostileCase {
        sources = List.copyOf(sources);
        hostChecks = Set.copyOf(hostChecks);
        exceptions = Map.copyOf(exceptions);
    }

    /** How a program text becomes an argv, and which image it needs under Docker. */
    public enum Language {
        PYTHON("execq/python:3.11", "python3", "-c"),
        SH("execq/busybox:latest", "sh", "-c");

        private final String image;
        private final String interpreter;
        private final String flag;

        Language(String image, String interpreter, String flag) {
            this.image = image;
            this.interpreter = interpreter;
            this.flag = flag;
        }

        /** The local image the Docker sandbox runs the program in. */
        public String image() {
            return image;
        }

        /** The argv that runs {@code text}. */
        public List<String> argv(String text) {
            return List.of(interpreter, flag, text);
        }
    }

    /** The reason {@code check}'s violations are tolerated on {@code backend}, if they are. */
    public Optional<String> exception(String backend, String check) {
        return Optional.ofNullable(exceptions.getOrDefault(backend, Map.of()).get(check));
    }

    @Override
    public String toString() {
        return id; // the parameterized test's display name
    }
}
