package io.execq.executor.sandbox.docker;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One raw connection to the Docker daemon, as the attach hijack uses it: plain (unix socket or TCP) or TLS.
 * Reading and writing may happen on two threads at once.
 */
interface DaemonStream extends AutoCloseable {

    /** Reads into {@code buffer}; the number of bytes read, -1 at end of stream. Blocks until at least one byte. */
    int read(ByteBuffer buffer) throws IOException;

    /** Writes all of {@code buffer}. */
    void write(ByteBuffer buffer) throws IOException;

    /** Half-closes the connection: the daemon sees end-of-file on the program's stdin. */
    void shutdownOutput() throws IOException;

    /**
     * Whether the stream is still open and nothing is waiting to be read, without blocking. May consume one byte:
     * only for a stream whose output is not being read yet.
     */
    boolean openAndSilent();

    @Override
    void close();
}
