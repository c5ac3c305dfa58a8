package io.execq.executor.sandbox.docker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

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
}
