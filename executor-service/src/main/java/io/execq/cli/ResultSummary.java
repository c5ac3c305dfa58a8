package io.execq.cli;

import io.execq.schema.CapturedOutput;
import io.execq.schema.ExecutionResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The readable form of one result: a few labelled lines, then both output streams. */
final class ResultSummary {

    private ResultSummary() {
    }

    static void print(PrintWriter out, ExecutionResult result) {
        print(out, result, true, false);
    }

    /**
     * For {@code --follow}, which printed the output as it came: the summary with the streams' sizes but not their
     * text; when the streamed output was incomplete, a line says where the complete (captured) copy is.
     */
    static void printWithoutOutput(PrintWriter out, ExecutionResult result, boolean streamedIncomplete) {
        print(out, result, false, streamedIncomplete);
    }

    private static void print(PrintWriter out, ExecutionResult result, boolean withOutput,
                              boolean streamedIncomplete) {
        out.printf("request    %s (attempt %d%s)%n", result.getRequestId(), result.getAttempt(),
                result.getReplayOf() == null ? "" : ", replay of " + result.getReplayOf());
        out.printf("status     %s%n", result.getStatus());
        out.printf("exit code  %s%s%n", result.getExitCode() == null ? "-" : result.getExitCode(),
                result.getSignal() == null ? "" : " (killed by signal " + result.getSignal() + ", "
                        + SignalNames.name(result.getSignal()) + ")");
        out.printf("backend    %s%s%n", result.getBackend(),
                result.getImage() == null ? "" : " (image " + result.getImage() + ")");
        out.printf("duration   %d ms running, %d ms queued%n", result.getRunMs(), result.getQueueWaitMs());
        if (result.getError() != null) {
            out.printf("error      %s%n", result.getError());
        }
        stream(out, "stdout", result.getStdout(), withOutput);
        stream(out, "stderr", result.getStderr(), withOutput);
        if (streamedIncomplete) {
            out.println("streamed   incomplete (bounded, lost or run again); --json prints the result's output");
        }
        for (io.execq.schema.Artifact artifact : result.getArtifacts()) {
            out.printf("artifact   %s  %d bytes%s%n", artifact.getPath(), artifact.getSize(),
                    artifact.getTruncated() ? " (truncated to " + artifact.getData().remaining() + ")" : "");
        }
        out.flush();
    }

    /** The first line of a stream, for tables; empty when the stream is empty. */
    static String firstLine(CapturedOutput output) {
        String text = text(output).strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    static String text(CapturedOutput output) {
        return StandardCharsets.UTF_8.decode(output.getData().duplicate()).toString();
    }

    private static void stream(PrintWriter out, String name, CapturedOutput output, boolean withText) {
        out.printf("%s     %d bytes%s%n", name, output.getTotalBytes(),
                output.getTruncated() ? " (truncated to " + output.getData().remaining() + ")" : "");
        String text = withText ? text(output) : "";
        if (!text.isEmpty()) {
            out.print(text.endsWith("\n") ? text : text + "\n");
        }
    }
}
