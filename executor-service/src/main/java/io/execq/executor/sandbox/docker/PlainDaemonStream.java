package io.execq.executor.sandbox.docker;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A daemon connection without TLS (unix socket, or {@code tcp://} without {@code --docker-tls-verify}). Reads and
 * writes use the channel directly, never {@code Channels} streams, which serialise reads and writes on one lock.
 */
final class PlainDaemonStream implements DaemonStream {

    private final SocketChannel channel;

    private PlainDaemonStream(SocketChannel channel) {
        this.channel = channel;
    }

    static PlainDaemonStream connect(SocketAddress daemon) throws IOException {
        SocketChannel channel = daemon instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            channel.connect(daemon);
            return new PlainDaemonStream(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public int read(ByteBuffer buffer) throws IOException {
        return channel.read(buffer);
    }

    @Override
    public void write(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public boolean openAndSilent() {
        try {
            channel.configureBlocking(false);
            try {
                return channel.read(ByteBuffer.allocate(1)) == 0;
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }
}
