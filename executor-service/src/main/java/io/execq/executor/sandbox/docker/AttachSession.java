package io.execq.executor.sandbox.docker;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * A container attach spoken directly over the daemon socket: one hijacked connection carrying the program's
 * stdin (ours to write and then half-close) and its multiplexed stdout/stderr frames.
 *
 * <p>Why not docker-java's {@code attachContainerCmd}: its httpclient5-based transports (zerodep included) never
 * deliver end-of-file on stdin, so a program that reads stdin to EOF ({@code wc -c}) would hang until the
 * timeout. Here the request is the documented upgrade ({@code POST /containers/{id}/attach?stream=1&stdin=1...}
 * with {@code Connection: Upgrade}, {@code Upgrade: tcp}); after the {@code 101} answer the socket is raw, and
 * {@link DaemonStream#shutdownOutput()} is the EOF the daemon forwards to the program (the container is
 * created with {@code StdinOnce}). The connection is plain or TLS as the client's ({@link DaemonEndpoint}).
 *
 * <p>The session is opened before the container starts, so no output can be missed; the stream ends when the
 * container's streams close, i.e. when it exits.
 */
final class AttachSession implements AutoCloseable {

    private static final int HEADER_LIMIT = 16 * 1024;

    private final DaemonStream channel;

    private AttachSession(DaemonStream channel) {
        this.channel = channel;
    }

    /**
     * Opens the hijacked attach connection for a created container.
     *
     * @throws IOException when the daemon cannot be reached or refuses the attach (message carries its answer)
     */
    static AttachSession open(DaemonEndpoint daemon, String containerId) throws IOException {
        DaemonStream channel = daemon.open();
        try {
            String request = "POST /containers/" + containerId + "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                    + "Host: docker\r\n"
                    + "Content-Type: text/plain\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Upgrade: tcp\r\n"
                    + "\r\n";
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            String head = readHead(channel);
            String statusLine = head.lines().findFirst().orElse("");
            if (!statusLine.startsWith("HTTP/1.1 101") && !statusLine.startsWith("HTTP/1.1 200")) {
                throw new IOException("attach refused by the daemon: " + statusLine + " " + readSome(channel));
            }
            return new AttachSession(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Starts demultiplexing the output frames into the two sinks on {@code io}. The future completes when the
     * stream ends (container exited, or the session was closed).
     */
    CompletableFuture<Void> pumpOutput(OutputStream stdout, OutputStream stderr, ExecutorService io) {
        return CompletableFuture.runAsync(() -> demux(stdout, stderr), io);
    }

    /** Writes {@code stdin} on {@code io}, then half-closes the connection: the program sees EOF. */
    CompletableFuture<Void> feedStdin(byte[] stdin, ExecutorService io) {
        return CompletableFuture.runAsync(() -> {
            try {
                channel.write(ByteBuffer.wrap(stdin));
                channel.shutdownOutput();
            } catch (IOException e) {
                // The program exited (or closed stdin) before reading everything: not an error.
            }
        }, io);
    }

    /**
     * Whether the stream is still open and silent: false once the daemon ended it (the container died) or the
     * container wrote something. Only for a session whose output is not being pumped yet.
     */
    boolean openAndSilent() {
        return channel.openAndSilent();
    }

    @Override
    public void close() {
        channel.close();
    }

    private void demux(OutputStream stdout, OutputStream stderr) {
        ByteBuffer header = ByteBuffer.allocate(8);
        ByteBuffer payload = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                header.clear();
                if (!readFully(channel, header)) {
                    return;
                }
                int stream = header.get(0);
                long size = Integer.toUnsignedLong(header.getInt(4));
                OutputStream sink = stream == 2 ? stderr : stdout;
                while (size > 0) {
                    payload.clear().limit((int) Math.min(size, payload.capacity()));
                    if (!readFully(channel, payload)) {
                        return;
                    }
                    sink.write(payload.array(), 0, payload.limit());
                    size -= payload.limit();
                }
            }
        } catch (ClosedChannelException e) {
            // Closed by the run's clean-up: the stream is over.
        } catch (IOException e) {
            // Connection reset: the run observes the exit through inspect instead.
        }
    }

    /** Fills {@code buffer}; false on a clean EOF before the first byte, {@link EOFException} mid-way. */
    private static boolean readFully(DaemonStream channel, ByteBuffer buffer) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("attach stream ended inside a frame");
            }
            first = false;
        }
        buffer.flip();
        return true;
    }

    private static String readHead(DaemonStream channel) throws IOException {
        StringBuilder head = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!head.toString().endsWith("\r\n\r\n")) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new EOFException("daemon closed the attach connection: " + head);
            }
            head.append((char) one.get(0));
            if (head.length() > HEADER_LIMIT) {
                throw new IOException("attach response head larger than " + HEADER_LIMIT + " bytes");
            }
        }
        return head.toString();
    }

    private static String readSome(DaemonStream channel) {
        ByteBuffer body = ByteBuffer.allocate(2048);
        try {
            channel.read(body);
        } catch (IOException e) {
            return "";
        }
        return new String(body.array(), 0, body.position(), StandardCharsets.UTF_8).strip();
    }
}
