package io.execq.cli;

/**
 * How this JVM starts processes. JDK 17 on Linux starts each one with {@code posix_spawn} of its
 * {@code jspawnhelper}, which then execs the command: two execs per process. {@code VFORK} execs the command
 * straight from a {@code vfork}ed child (the default up to JDK 11). Every process-fallback run starts three
 * processes from the executor (its launch script, and {@code mount} and {@code umount} of its workspace), so the
 * mechanism is on the hot path: on this project's 2-core machine a spawn of {@code /bin/true} took 6.7–7.3 ms with
 * the default and 3.5–3.7 ms with {@code VFORK} (200 spawns each, docs/performance.md).
 *
 * <p>The JDK reads the property once, when it starts its first process; set before that, here at the start of
 * {@code main}. An operator's own {@code -Djdk.lang.Process.launchMechanism=...} wins.
 */
final class SpawnMechanism {

    static final String PROPERTY = "jdk.lang.Process.launchMechanism";

    private SpawnMechanism() {
    }

    /** Chooses {@code VFORK} unless the JVM was given a mechanism. */
    static void preferVfork() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "VFORK");
        }
    }
}
