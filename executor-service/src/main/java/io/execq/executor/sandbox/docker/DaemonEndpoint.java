package io.execq.executor.sandbox.docker;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Where raw connections to the daemon (the attach hijack) go: the client's own address, with the client's TLS
 * context when it speaks TLS, so the hijacked stream is exactly as protected as the control calls.
 */
final class DaemonEndpoint {

    private final URI host;
    private final Optional<SSLContext> tls;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;

    DaemonEndpoint(URI host, Optional<SSLContext> tls, Duration connectTimeout, Duration handshakeTimeout) {
        if (!host.getScheme().equals("unix") && !host.getScheme().equals("tcp")) {
            throw new IllegalArgumentException("unsupported docker host scheme: " + host);
        }
        this.host = host;
        this.tls = tls;
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Opens a connection; over TLS, connects within the connect timeout and shakes hands within the other. */
    DaemonStream open() throws IOException {
        if (host.getScheme().equals("unix")) {
            return PlainDaemonStream.connect(UnixDomainSocketAddress.of(host.getPath()));
        }
        InetSocketAddress address = new InetSocketAddress(host.getHost(), host.getPort());
        return tls.isPresent()
                ? TlsDaemonStream.connect(address, tls.get(), connectTimeout, handshakeTimeout)
                : PlainDaemonStream.connect(address);
    }

    /**
     * Over TLS, whether the daemon and this client accept each other: a TLS connection carrying one
     * {@code GET /_ping}. Empty when any HTTP answer comes back (TLS works; the daemon's health is the probe's
     * business), when TLS is not used, or when nothing accepts the TCP connection or answers in time (an outage, not
     * a setting to fix); else what went wrong. A daemon that closes the connection right after the handshake is
     * refusing the client certificate (TLS 1.3 gives its verdict after the handshake, and a reset may overtake the
     * alert).
     */
    Optional<String> tlsFailure() {
        if (tls.isEmpty()) {
            return Optional.empty();
        }
        InetSocketAddress address = new InetSocketAddress(host.getHost(), host.getPort());
        Socket tcp = new Socket();
        try {
            tcp.connect(address, (int) connectTimeout.toMillis());
        } catch (IOException e) {
            closeQuietly(tcp);
            return Optional.empty();
        }
        try (SSLSocket socket = TlsDaemonStream.handshake(tcp, address, tls.get(), handshakeTimeout)) {
            socket.getOutputStream().write("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = statusLine(socket.getInputStream());
            return status.startsWith("HTTP/") ? Optional.empty()
                    : Optional.of("not an HTTP answer to /_ping over TLS: \"" + status + "\"");
        } catch (SSLException e) {
            return Optional.of(e.getMessage());
        } catch (SocketTimeoutException e) {
            return Optional.empty(); // a daemon that does not answer: the health probe reports the outage
        } catch (IOException e) {
            return Optional.of("the daemon closed the connection during or right after the TLS handshake ("
                    + e.getMessage() + "): most likely it refused the client certificate");
        } finally {
            closeQuietly(tcp);
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n' && line.length() < 200; c = in.read()) {
            line.append((char) c);
        }
        if (line.length() == 0) {
            throw new IOException("closed without an answer");
        }
        return line.toString().strip();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to release
        }
    }
}
