package io.execq.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Unix-socket forwarder in front of the Docker daemon that tests can take down and bring back, to play "Docker is
 * unreachable" without touching the real daemon. Bytes pass through untouched, hijacked attach streams included.
 */
public final class UnixSocketProxy implements AutoCloseable {

    private final Path listen;
    private final Path target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private ServerSocketChannel server;
    private Thread acceptor;

    public UnixSocketProxy(Path listen, Path target) {
        this.listen = listen;
        this.target = target;
    }

    public synchronized void up() {
        try {
            Files.deleteIfExists(listen);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(listen));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServerSocketChannel listening = server;
        acceptor = new Thread(() -> accept(listening), "docker-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Stops accepting and cuts every open connection: the daemon is gone as far as clients can tell. */
    public synchronized void down() {
        try {
            if (server != null) {
                server.close();
                server = null;
            }
            for (SocketChannel channel : open) {
                channel.close();
            }
            open.clear();
            Files.deleteIfExists(listen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String dockerHost() {
        return "unix://" + listen;
    }

    private void accept(ServerSocketChannel listening) {
        while (listening.isOpen()) {
            try {
                SocketChannel client = listening.accept();
                SocketChannel daemon = SocketChannel.open(UnixDomainSocketAddress.of(target));
                open.add(client);
                open.add(daemon);
                pump(client, daemon);
                pump(daemon, client);
            } catch (IOException e) {
                return; // closed by down()
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread thread = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
                to.shutdownOutput(); // pass the half-close on: stdin EOF must reach the daemon
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "docker-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        down();
    }
}
