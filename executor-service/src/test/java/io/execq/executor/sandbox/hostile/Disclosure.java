package io.execq.executor.sandbox.hostile;

import io.execq.executor.sandbox.SandboxOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What no run's output may contain, whatever the case: the host bait's root-only secret, the secret of another
 * run (the companion's), and any {@code NAME=value} pair of the executor's own environment (the test JVM's, as the
 * executor's stands in for it) other than the few variables the sandbox sets itself.
 */
final class Disclosure {

    /** Set by the sandbox or by any shell itself: their values may legitimately match the executor's. */
    private static final Set<String> NOT_SECRET = Set.of("PATH", "HOME", "LANG", "HOSTNAME", "PWD", "OLDPWD", "SHLVL", "_", "TERM");

    private Disclosure() {
    }

    static List<String> violations(SandboxOutcome outcome, CaseRun run) {
        String output = outcome.stdout().text() + "\n" + outcome.stderr().text();
        List<String> out = new ArrayList<>();
        if (output.contains(run.bait().secretText())) {
            out.add("the output holds the content of the root-only host file " + run.bait().env().get("CANARY_SECRET"));
        }
        if (output.contains(run.secret())) {
            out.add("the output holds the secret another run (the companion) kept in its workspace");
        }
        for (Map.Entry<String, String> var : System.getenv().entrySet()) {
            String pair = var.getKey() + "=" + var.getValue();
            if (!NOT_SECRET.contains(var.getKey()) && !var.getValue().isEmpty() && !var.getValue().contains("\n")
                    && output.contains(pair)) {
                out.add("the output holds the executor's environment variable " + var.getKey());
            }
        }
        return out;
    }
}
