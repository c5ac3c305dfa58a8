package io.execq.cli;

import io.execq.schema.ExecutionResult;

/** One line per result, for {@code execq results} and {@code execq demo}. */
final class ResultTable {

    static final String HEADER = String.format("%-36s  %-10s  %4s  %-7s  %7s  %s", "REQUEST", "STATUS", "EXIT",
            "BACKEND", "RUN MS", "OUTPUT");

    private ResultTable() {
    }

    static String row(ExecutionResult result) {
        return String.format("%-36s  %-10s  %4s  %-7s  %7d  %s", result.getRequestId(), result.getStatus(),
                result.getExitCode() == null ? "-" : result.getExitCode(), result.getBackend(), result.getRunMs(),
                output(result));
    }

    /** The first line of stdout, else of stderr, else the error; with the truncated flags when set. */
    static String output(ExecutionResult result) {
        String line = ResultSummary.firstLine(result.getStdout());
        if (line.isEmpty()) {
            line = ResultSummary.firstLine(result.getStderr());
        }
        if (line.isEmpty() && result.getError() != null) {
            line = result.getError();
        }
        if (line.length() > 60) {
            line = line.substring(0, 57) + "...";
        }
        String flags = (result.getStdout().getTruncated() ? " [stdout truncated]" : "")
                + (result.getStderr().getTruncated() ? " [stderr truncated]" : "");
        return line + flags;
    }
}
