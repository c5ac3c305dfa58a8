package io.execq.testing;

import io.execq.executor.sandbox.docker.DockerTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS-terminating forwarder on 127.0.0.1 in front of the Docker daemon's unix socket: what {@code dockerd
 * --tlsverify -H tcp://...} offers, without touching the real daemon. It presents the server certificate of
 * {@code serverDir} and requires a client certificate chaining to that directory's {@code ca.pem} (TLS 1.3 with
 * execq's client, as with a Go dockerd). Bytes pass through
 * untouched both ways, hijacked attach streams included; a client's TLS half-close ({@code close_notify}) is passed
 * on as a half-close of the daemon connection (stdin EOF), as dockerd reads it.
 */
public final class TlsSocketProxy implements AutoCloseable {

    private final SSLServerSocket server;
    private final Path target;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final Set<String> protocols = ConcurrentHashMap.newKeySet();

    private TlsSocketProxy(SSLServerSocket server, Path target) {
        this.server = server;
        this.target = target;
    }

    /** Listens on an ephemeral port of 127.0.0.1 and starts accepting. */
    public static TlsSocketProxy start(Path serverDir, Path target) {
        try {
            SSLServerSocket server = (SSLServerSocket) DockerTls.context(serverDir).getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            server.setNeedClientAuth(true);
            TlsSocketProxy proxy = new TlsSocketProxy(server, target);
            Thread acceptor = new Thread(proxy::accept, "docker-tls-proxy-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code tcp://127.0.0.1:PORT}, for {@code DOCKER_HOST}. */
    public String dockerHost() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections whose client certificate was accepted. */
    public int handshakes() {
        return handshakes.get();
    }

    /** The TLS versions of the accepted connections ({@code TLSv1.3}). */
    public Set<String> protocols() {
        return Set.copyOf(protocols);
    }

    /** Connections whose TLS handshake failed (no or untrusted client certificate, untrusted server certificate). */
    public int refused() {
        return refused.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            SSLSocket client;
            try {
                client = (SSLSocket) server.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(client);
            Thread handshake = new Thread(() -> connect(client), "docker-tls-proxy-connect");
            handshake.setDaemon(true);
            handshake.start();
        }
    }

    private void connect(SSLSocket client) {
        try {
            client.startHandshake();
            protocols.add(client.getSession().getProtocol());
            handshakes.incrementAndGet();
        } catch (IOException e) {
            refused.incrementAndGet();
            closeQuietly(client);
            return;
        }
        try {
            SocketChannel daemon = SocketChannel.open(UnixDomainSocketAddress.of(target));
            open.add(daemon);
            InputStream fromClient = client.getInputStream();
            OutputStream toClient = client.getOutputStream();
            // The daemon channel is read and written directly: Channels streams would serialise the two directions.
            pump(client, daemon, () -> {
                byte[] buffer = new byte[64 * 1024];
                for (int read; (read = fromClient.read(buffer)) >= 0; ) {
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
                    while (chunk.hasRemaining()) {
                        daemon.write(chunk);
                    }
                }
                daemon.shutdownOutput();
            });
            pump(client, daemon, () -> {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                while (daemon.read(buffer) >= 0) {
                    toClient.write(buffer.array(), 0, buffer.position());
                    toClient.flush();
                    buffer.clear();
                }
                client.shutdownOutput();
            });
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    /** One direction, copied until its end, which is passed on as a half-close (stdin EOF must reach the daemon). */
    private interface Copy {
        void run() throws IOException;
    }

    private void pump(Socket client, SocketChannel daemon, Copy copy) {
        Thread thread = new Thread(() -> {
            try {
                copy.run();
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(daemon);
            }
        }, "docker-tls-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        open.forEach(TlsSocketProxy::closeQuietly);
        open.clear();
    }
}
