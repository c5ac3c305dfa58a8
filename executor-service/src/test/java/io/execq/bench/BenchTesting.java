package io.execq.bench;

/** What tests outside this package need to know about the bench's environment checks. */
public final class BenchTesting {

    private BenchTesting() {
    }

    public static boolean dockerCliOnPath() {
        return DockerSeries.onPath("docker");
    }
}
