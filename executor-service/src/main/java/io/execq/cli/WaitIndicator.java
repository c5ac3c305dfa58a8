package io.execq.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * A spinner with the elapsed time while a command waits, on a terminal only: when {@code System.console()} is null
 * (output piped or captured) it prints nothing, so scripts see exactly the command's output.
 */
final class WaitIndicator implements AutoCloseable {

    private static final char[] FRAMES = {'|', '/', '-', '\\'};

    private final Thread thread;
    private final PrintWriter err;

    private WaitIndicator(PrintWriter err, String what) {
        this.err = err;
        long started = System.nanoTime();
        this.thread = new Thread(() -> {
            for (int frame = 0; !Thread.currentThread().isInterrupted(); frame++) {
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                err.printf("\r%c %s (%ds)", FRAMES[frame % FRAMES.length], what, seconds);
                err.flush();
                try {
                    Thread.sleep(120);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "execq-wait-indicator");
        thread.setDaemon(true);
    }

    /** Starts a spinner on {@code err} when a terminal is attached; otherwise an indicator that does nothing. */
    static WaitIndicator start(PrintWriter err, String what) {
        WaitIndicator indicator = new WaitIndicator(err, what);
        if (System.console() != null) {
            indicator.thread.start();
        }
        return indicator;
    }

    /** Stops the spinner and clears its line. */
    @Override
    public void close() {
        if (!thread.isAlive()) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.print("\r\033[K");
        err.flush();
    }
}
