package io.execq.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.testcontainers.DockerClientFactory;

/**
 * Whether the integration tests may assume a Docker engine. {@code ops/test.sh} (and so CI) provisions Docker and sets
 * {@code EXECQ_REQUIRE_DOCKER=true}: there, a missing engine fails the Docker tests instead of skipping them. Without
 * that variable (a developer's laptop with no Docker) they are skipped and the rest of the suite still runs.
 */
public final class DockerAvailability {

    private DockerAvailability() {
    }

    public static boolean available() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    public static boolean required() {
        return Boolean.parseBoolean(System.getenv("EXECQ_REQUIRE_DOCKER"));
    }

    /**
     * Call first in a test that needs dockerd to know the OCI runtime {@code runtime} (and Docker). Where
     * {@code ops/test.sh} provisioned gVisor it sets {@code EXECQ_REQUIRE_RUNSC=true}: there a missing {@code runsc}
     * fails the test instead of skipping it.
     */
    public static void requireRuntime(String runtime) {
        requireDocker();
        boolean known = DockerClientFactory.instance().client().infoCmd().exec().getRuntimes() != null
                && DockerClientFactory.instance().client().infoCmd().exec().getRuntimes().containsKey(runtime);
        if (Boolean.parseBoolean(System.getenv("EXECQ_REQUIRE_RUNSC"))) {
            if (!known) {
                throw new IllegalStateException("EXECQ_REQUIRE_RUNSC=true but dockerd has no runtime " + runtime
                        + " (bash ops/lib/runsc.sh ensure registers it)");
            }
            return;
        }
        assumeTrue(known, "dockerd has no runtime " + runtime + "; bash ops/lib/runsc.sh ensure registers it");
    }

    /** Call first in a test that needs Docker. */
    public static void requireDocker() {
        if (required()) {
            if (!available()) {
                throw new IllegalStateException("EXECQ_REQUIRE_DOCKER=true but no Docker engine answers");
            }
            return;
        }
        assumeTrue(available(), "no Docker engine; run ops/test.sh to provision one");
    }
}
