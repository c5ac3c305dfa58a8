package io.execq.cli;

import io.execq.executor.pipeline.RuntimeImages;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.sdk.ExecutionRequestBuilder;
import io.execq.sdk.ExecutionRequests;
import java.nio.charset.StandardCharsets;
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
            Predicate<ExecutionResult> check, String checkDescription, boolean needsDocker) {

        Sample(String name, ExecutionRequest request, Set<ExecutionStatus> expected,
                Predicate<ExecutionResult> check, String checkDescription) {
            this(name, request, expected, check, checkDescription, false);
        }

        /**
         * Whether the demo submits this sample: the runtime samples need Docker, since the process fallback runs the
         * host's own tools (if any), not the image the sample names.
         */
        boolean runs(boolean docker) {
            return docker || !needsDocker;
        }

        /** Null when the result is as expected; otherwise what differs. */
        String mismatch(ExecutionResult result) {
            if (!expected.contains(result.getStatus())) {
                return "expected " + (expected.size() == 1 ? expected.iterator().next() : "one of " + expected)
                        + ", got " + result.getStatus();
            }
            return check.test(result) ? null : "expected " + checkDescription;
        }
    }

    /** The C++ sample's main.cpp. */
    static final String CPP_MAIN = """
            #include <iostream>
            int main() { std::cout << 6 * 7 << std::endl; }
            """;
    /** The Java sample's Main.java. */
    static final String JAVA_MAIN = """
            public class Main {
                public static void main(String[] args) {
                    System.out.println(6 * 7);
                }
            }
            """;

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
                        r -> ResultSummary.firstLine(r.getStdout()).equals("42"), "stdout '42'"),
                runtime("node", ExecutionRequests.command("node", "-e", "console.log(6 * 7)").image("node"),
                        RuntimeImages.NODE),
                runtime("c++", ExecutionRequests.command("sh", "-c", "g++ -O2 -o main main.cpp && ./main")
                        .file("main.cpp", CPP_MAIN.getBytes(StandardCharsets.UTF_8)).image("cpp"), RuntimeImages.GCC),
                runtime("java", ExecutionRequests.command("sh", "-c", "javac Main.java && java Main")
                        .file("Main.java", JAVA_MAIN.getBytes(StandardCharsets.UTF_8)).image("java"),
                        RuntimeImages.JAVA));
    }

    /**
     * A runtime sample: its request names an alias as its image, which must resolve to {@code image}; it prints 42. Compiling gets
     * 60 s (a cold javac or g++ takes 1-3 s on an idle core), and the default 256 MiB is enough for javac (~40 MB used).
     */
    private static Sample runtime(String name, ExecutionRequestBuilder request, String image) {
        return new Sample(name, request.timeout(Duration.ofSeconds(60)).label("demo", name).build(),
                Set.of(ExecutionStatus.SUCCEEDED),
                r -> ResultSummary.firstLine(r.getStdout()).equals("42") && image.equals(r.getImage()),
                "stdout '42' from " + image, true);
    }
}
