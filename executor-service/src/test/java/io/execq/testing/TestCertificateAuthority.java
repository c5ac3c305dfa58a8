package io.execq.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority made with Debian's {@code openssl} (installed by {@code ops/test.sh}), issuing
 * certificate directories laid out as Docker reads them ({@code ca.pem}, {@code cert.pem}, {@code key.pem}) — the
 * commands of Docker's "Protect the Docker daemon socket" page. Valid for a day, for tests only.
 */
public final class TestCertificateAuthority {

    private final Path dir;

    private TestCertificateAuthority(Path dir) {
        this.dir = dir;
    }

    /** A new CA in {@code dir} (created), named {@code name}. */
    public static TestCertificateAuthority create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
                "-keyout", "ca-key.pem", "-out", "ca.pem");
        return new TestCertificateAuthority(dir);
    }

    /** This CA's certificate. */
    public Path certificate() {
        return dir.resolve("ca.pem");
    }

    /**
     * A daemon's directory: {@code cert.pem} for 127.0.0.1 and localhost signed by this CA, its {@code key.pem}, and
     * {@code ca.pem} from {@code trustedClients} (the CA its clients' certificates must chain to).
     */
    public Path issueServer(Path out, TestCertificateAuthority trustedClients) {
        return issueServer(out, trustedClients, "IP:127.0.0.1,DNS:localhost");
    }

    /** As {@link #issueServer(Path, TestCertificateAuthority)}, for the names {@code subjectAltNames} only. */
    public Path issueServer(Path out, TestCertificateAuthority trustedClients, String subjectAltNames) {
        return issue(out, "daemon", "subjectAltName=" + subjectAltNames + "\nextendedKeyUsage=serverAuth\n",
                trustedClients);
    }

    /**
     * A client's directory: {@code cert.pem} signed by this CA, its {@code key.pem} (PKCS#1, as {@code openssl genrsa
     * -traditional} and older guides write it), and {@code ca.pem} from {@code trustedDaemon}.
     */
    public Path issueClient(Path out, TestCertificateAuthority trustedDaemon) {
        return issue(out, "client", "extendedKeyUsage=clientAuth\n", trustedDaemon);
    }

    private Path issue(Path out, String commonName, String extensions, TestCertificateAuthority trusted) {
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("extfile.cnf"), extensions);
            openssl(out, "genrsa", "-traditional", "-out", "key.pem", "2048");
            openssl(out, "req", "-new", "-key", "key.pem", "-subj", "/CN=" + commonName, "-out", "request.csr");
            openssl(out, "x509", "-req", "-days", "1", "-in", "request.csr", "-CA", certificate().toString(),
                    "-CAkey", dir.resolve("ca-key.pem").toString(), "-CAcreateserial", "-extfile", "extfile.cnf",
                    "-out", "cert.pem");
            Files.copy(trusted.certificate(), out.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(Path workDir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("openssl is needed (ops/test.sh installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
