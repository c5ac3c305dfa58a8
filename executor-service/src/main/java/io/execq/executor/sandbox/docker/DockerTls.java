package io.execq.executor.sandbox.docker;

import com.github.dockerjava.core.util.CertificateUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The TLS material of a Docker client, laid out as the Docker CLI reads it from {@code DOCKER_CERT_PATH}:
 * {@code ca.pem} (the CA the daemon's certificate must chain to), {@code cert.pem} and {@code key.pem} (the client
 * certificate and its key, PKCS#1 or PKCS#8, RSA or EC). Parsing is docker-java's (bouncycastle); the context is
 * the JDK's default protocol set (TLS 1.3, then 1.2), not docker-java's TLS 1.2-only one: the attach stream's stdin
 * end-of-file is a TLS 1.3 half-close ({@link TlsDaemonStream}), which a TLS 1.2 peer may take as a full close.
 */
public final class DockerTls {

    /** The files the Docker CLI reads from its cert path, in that order. */
    public static final List<String> FILES = List.of("ca.pem", "cert.pem", "key.pem");

    private DockerTls() {
    }

    /**
     * Checks that the three files are present and readable.
     *
     * @throws IllegalArgumentException naming the first missing or unreadable file
     */
    public static void requireFiles(Path certPath) {
        for (String name : FILES) {
            Path file = certPath.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + " is missing (a Docker TLS cert path holds "
                        + String.join(", ", FILES) + ")");
            }
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException(file + " is not readable by this process");
            }
        }
    }

    /**
     * The client's TLS context: trusts only {@code ca.pem}, presents {@code cert.pem}.
     *
     * @throws IllegalArgumentException naming the directory when a file is missing or cannot be parsed
     */
    public static SSLContext context(Path certPath) {
        requireFiles(certPath);
        try {
            // docker-java's PEM parsing asks for the BC provider by name; appended last (as docker-java's own TLS
            // set-up does), it is never a default.
            if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
                Security.addProvider(new BouncyCastleProvider());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            // docker-java stores the client key under this password.
            keys.init(CertificateUtils.createKeyStore(read(certPath, "key.pem"), read(certPath, "cert.pem")),
                    "docker".toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(CertificateUtils.createTrustStore(read(certPath, "ca.pem")));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot build a TLS client from " + certPath + " (" + String.join(", ",
                    FILES) + "): " + e.getMessage(), e);
        }
    }

    private static String read(Path certPath, String name) throws IOException {
        return Files.readString(certPath.resolve(name));
    }
}
