package io.execq.executor.sandbox.hostile;

import java.util.ArrayList;
import java.util.List;

/**
 * The violations one case produced on one backend, each under the name of what found it; those a case documents
 * as an exception for this backend are kept apart (reported, not failed).
 */
final class Verdict {

    private final HostileCase hostileCase;
    private final String backend;
    private final List<String> violations = new ArrayList<>();
    private final List<String> tolerated = new ArrayList<>();

    Verdict(HostileCase hostileCase, String backend) {
        this.hostileCase = hostileCase;
        this.backend = backend;
    }

    void add(String check, List<String> found) {
        for (String violation : found) {
            String line = check + ": " + violation;
            if (hostileCase.exception(backend, check).isPresent()) {
                tolerated.add(line);
            } else {
                violations.add(line);
            }
        }
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /** One line for the containment table. */
    String summary() {
        if (!violations.isEmpty()) {
            return "NOT contained\t" + String.join(" | ", violations);
        }
        if (!tolerated.isEmpty()) {
            return "documented exception\t" + String.join(" | ", tolerated);
        }
        return "contained\t";
    }
}
