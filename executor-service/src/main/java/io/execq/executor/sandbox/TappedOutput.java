package io.execq.executor.sandbox;

import java.io.OutputStream;

/**
 * A pump's sink: the run's {@link BoundedOutput} first (the result's output, unchanged), then the run's
 * {@link OutputListener}, whose failures never reach the pump.
 */
final class TappedOutput extends OutputStream {

    private final BoundedOutput sink;
    private final OutputListener.Stream stream;
    private final OutputListener listener;

    TappedOutput(BoundedOutput sink, OutputListener.Stream stream, OutputListener listener) {
        this.sink = sink;
        this.stream = stream;
        this.listener = listener;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        sink.write(b, off, len);
        try {
            listener.output(stream, b, off, len);
        } catch (RuntimeException e) {
            // Streaming is best effort; the captured output must not depend on it.
        }
    }
}
