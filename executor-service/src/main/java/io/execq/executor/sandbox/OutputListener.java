package io.execq.executor.sandbox;

/**
 * Sees a run's output as the sandbox reads it, on the sandbox's pump threads, next to the {@link BoundedOutput} that
 * captures it for the result (see {@link RunControl#listenOutput}). It must return quickly and never block: it runs on
 * the thread that drains the program's pipe, and a slow listener would stall the program. An exception it throws is
 * swallowed: the captured output stays exactly as without a listener.
 */
@FunctionalInterface
public interface OutputListener {

    /** Which stream the bytes came from. */
    enum Stream { STDOUT, STDERR }

    /** Nobody listens. */
    OutputListener NONE = (stream, data, offset, length) -> { };

    /** {@code length} bytes of {@code stream} at {@code data[offset]}; the array is reused once this returns. */
    void output(Stream stream, byte[] data, int offset, int length);
}
