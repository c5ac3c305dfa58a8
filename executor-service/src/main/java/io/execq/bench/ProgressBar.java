package io.execq.bench;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn in place; silent when stderr is not a terminal, so logs and pipes
 * see nothing of it.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private long done;
    private int lastPercent = -1;

    private ProgressBar(PrintWriter err, long total) {
        this.err = err;
        this.total = Math.max(1, total);
    }

    /** A bar drawn on {@code err} when this process has a console, a silent one otherwise. */
    static ProgressBar forConsole(PrintWriter err, long total) {
        return new ProgressBar(System.console() != null ? err : null, total);
    }

    static ProgressBar silent() {
        return new ProgressBar(null, 1);
    }

    synchronized void step(String label) {
        done++;
        int percent = (int) (100 * done / total);
        if (err == null || percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        int filled = WIDTH * percent / 100;
        err.printf("\r[%s%s] %3d%% %-40.40s", "#".repeat(filled), " ".repeat(WIDTH - filled), percent, label);
        err.flush();
    }

    synchronized void finish() {
        if (err != null) {
            err.print("\r" + " ".repeat(WIDTH + 48) + "\r");
            err.flush();
        }
    }
}
