package io.execq.cli;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.sdk.ExecutionRequests;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** The requests {@code execq demo} runs, each with how it is expected to end. */
final class DemoSamples {

    /**
     * One sample.
     *
     * @param name short label for the table
     * @param request what is sent
     * @param expected the statuses that count as "as expected"
     * @param check a further condition on the result, described by {@code checkDescription}
     */
    record Sample(String name, ExecutionRequest request, Set<ExecutionStatus> expected,
            Predicate<ExecutionResult> check, String checkDescription) {

        /** Null when the result is as expected; otherwise what differs. */
        String mismatch(ExecutionResult result) {
            if (!expected.contains(result.getStatus())) {
                return "expected " + (expected.size() == 1 ? expected.iterator().next() : "one of " + expected)
                        + ", got " + result.getStatus();
            }
            return check.test(result) ? null : "expected " + checkDescription;
        }
    }

    private DemoSamples() {
    }

    /**
     * @param docker whether a Docker engine is up; without one the memory bomb runs under the process fallback's
     *     address-space limit, where the shell's allocation fails (FAILED) instead of the kernel's OOM killer
     *     stepping in (OOM_KILLED), so both count as expected there
     */
    static List<Sample> all(boolean docker) {
        return List.of(
                new Sample("success", ExecutionRequests.command("echo", "hello from execq")
                        .label("demo", "success").build(), Set.of(ExecutionStatus.SUCCEEDED),
                        r -> ResultSummary.firstLine(r.getStdout()).equals("hello from execq"),
                        "stdout 'hello from execq'"),
                new Sample("non-zero exit", ExecutionRequests.command("sh", "-c", "echo failing >&2; exit 3")
                        .label("demo", "exit").build(), Set.of(ExecutionStatus.FAILED),
                        r -> Integer.valueOf(3).equals(r.getExitCode()), "exit code 3"),
                new Sample("timeout", ExecutionRequests.command("sleep", "30").timeout(Duration.ofSeconds(1))
                        .label("demo", "timeout").build(), Set.of(ExecutionStatus.TIMED_OUT),
                        ExecutionResult::getTimedOut, "timedOut=true"),
                new Sample("out of memory", ExecutionRequests.command("sh", "-c", "x=a; while true; do x=$x$x; done")
                        .memoryBytes(16L << 20).timeout(Duration.ofSeconds(20)).label("demo", "oom").build(),
                        docker ? Set.of(ExecutionStatus.OOM_KILLED)
                                : Set.of(ExecutionStatus.OOM_KILLED, ExecutionStatus.FAILED),
                        r -> !docker || r.getOomKilled(), "oomKilled=true"),
                new Sample("output flood", ExecutionRequests.command("sh", "-c", "yes execq-flood | head -c 8000000")
                        .maxOutputBytes(64 << 10).label("demo", "flood").build(), Set.of(ExecutionStatus.SUCCEEDED),
                        r -> r.getStdout().getTruncated() && r.getStdout().getTotalBytes() == 8_000_000,
                        "stdout truncated at 64 KiB of 8000000 bytes"),
                new Sample("python", ExecutionRequests.command("python3", "-c", "print(6*7)")
                        .image("execq/python:3.11").label("demo", "python").build(),
                        Set.of(ExecutionStatus.SUCCEEDED),
                        r -> ResultSummary.firstLine(r.getStdout()).equals("42"), "stdout '42'"));
    }
}
