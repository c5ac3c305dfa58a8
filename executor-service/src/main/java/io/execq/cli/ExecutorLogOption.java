package io.execq.cli;

import picocli.CommandLine.Option;

/**
 * {@code --verbose} of the commands that run an executor in-process (a picocli mixin): without it, every log line
 * (the executor's per-run INFO lines, Docker-health warnings, the reaper's) goes to {@link LogLocation#execqLog()}
 * instead of stderr, where it would interleave with the command's own output.
 */
final class ExecutorLogOption {

    @Option(names = "--verbose", description = "Show log lines on stderr (by default they go to ~/.execq/logs/execq.log).")
    boolean verbose;

    /** Sends log lines to the log file unless {@code --verbose} was given. */
    void apply() {
        if (!verbose) {
            ConsoleLog.toFile(LogLocation.execqLog());
        }
    }
}
