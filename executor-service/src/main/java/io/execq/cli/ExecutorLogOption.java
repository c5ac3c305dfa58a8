package io.execq.cli;

import picocli.CommandLine.Option;

/**
 * {@code --verbose} of the commands that run an executor in-process (a picocli mixin): without it, the executor's
 * per-run INFO lines stay off stderr, where they would bury the command's own output.
 */
final class ExecutorLogOption {

    @Option(names = "--verbose", description = "Also show the executor's own log lines (hidden by default).")
    boolean verbose;

    /** Raises the {@code io.execq} log level to WARN unless {@code --verbose} was given. */
    void apply() {
        if (!verbose) {
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.execq"))
                    .setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }
}
