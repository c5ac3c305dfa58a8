package io.execq.executor.sandbox.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A daemon connection over TLS ({@code tcp://} with {@code --docker-tls-verify}), as the Docker CLI makes it: the
 * daemon's certificate must chain to the configured CA and name the host (IP or DNS subject alternative name,
 * checked like HTTPS; SNI is sent for a host name), and the client certificate is presented.
 *
 * <p>The half-close sends TLS {@code close_notify} and then shuts the TCP write side; the daemon reads that as
 * end-of-file on stdin while its output keeps flowing (TLS 1.3 half-close). The JDK's TLS socket reads and writes
 * under separate locks, so stdin and output move at once as on the plain channel.
 */
final class TlsDaemonStream implements DaemonStream {

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;

    private TlsDaemonStream(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects within {@code connectTimeout} and completes the handshake within {@code handshakeTimeout}.
     *
     * @throws IOException when the daemon is unreachable or the handshake fails (untrusted or misnamed certificate,
     *     client certificate refused)
     */
    static TlsDaemonStream connect(InetSocketAddress daemon, SSLContext tls, Duration connectTimeout,
                                   Duration handshakeTimeout) throws IOException {
        Socket tcp = new Socket();
        try {
            tcp.connect(daemon, (int) connectTimeout.toMillis());
            SSLSocket socket = handshake(tcp, daemon, tls, handshakeTimeout);
            socket.setSoTimeout(0);
            return new TlsDaemonStream(socket);
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    /**
     * Layers TLS over the connected {@code tcp} and completes the handshake; reads keep timing out after
     * {@code timeout}. In TLS 1.3 the daemon's verdict on the client certificate comes after this returns: on the
     * first read, as an alert or a closed connection.
     */
    static SSLSocket handshake(Socket tcp, InetSocketAddress daemon, SSLContext tls, Duration timeout)
            throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory()
                .createSocket(tcp, daemon.getHostString(), daemon.getPort(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.setSoTimeout((int) timeout.toMillis());
        socket.startHandshake();
        return socket;
    }

    @Override
    public int read(ByteBuffer buffer) throws IOException {
        int read = in.read(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        if (read > 0) {
            buffer.position(buffer.position() + read);
        }
        return read;
    }

    @Override
    public void write(ByteBuffer buffer) throws IOException {
        out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        out.flush();
        buffer.position(buffer.limit());
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public boolean openAndSilent() {
        try {
            socket.setSoTimeout(1);
            in.read(); // a byte or the end of the stream: not silent
            return false;
        } catch (SocketTimeoutException e) {
            return true; // the JDK keeps a TLS socket usable after a read timeout
        } catch (IOException e) {
            return false;
        } finally {
            try {
                socket.setSoTimeout(0);
            } catch (IOException e) {
                // closed: the next read reports it
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }
}
