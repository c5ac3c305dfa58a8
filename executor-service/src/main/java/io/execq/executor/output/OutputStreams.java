package io.execq.executor.output;

import io.execq.executor.sandbox.OutputListener;

/** Opens the stream of one run's output (one per start of the run: each gets its own runId). */
@FunctionalInterface
public interface OutputStreams {

    /** Streams nothing: for pipelines without an output topic (tests). */
    OutputStreams NONE = (requestId, attempt) -> Tap.NONE;

    /** A new stream for a run of {@code requestId} (request attempt {@code attempt}) that starts now. */
    Tap open(String requestId, int attempt);

    /** One run's stream: feed it the output, close it when the run is over (sends what is left). */
    interface Tap extends OutputListener, AutoCloseable {

        Tap NONE = new Tap() {
            @Override
            public void output(Stream stream, byte[] data, int offset, int length) {
            }

            @Override
            public void close() {
            }
        };

        @Override
        void close();
    }
}
