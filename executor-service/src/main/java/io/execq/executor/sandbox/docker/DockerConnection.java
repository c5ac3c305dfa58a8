package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * One docker-java client plus what the sandbox needs beside it: the client configuration (registry credentials
 * from {@code ~/.docker/config.json}) and the daemon's endpoint for the attach hijack, which speaks TLS when the
 * client does.
 *
 * <p>The response timeout bounds every control call (create, inspect, remove, ping). No call made through this
 * client waits for a container to exit: exit is observed on the attach stream, which has no timeout of its own.
 */
public final class DockerConnection implements AutoCloseable {

    /** Connect timeout: a dead daemon must be detected in about a second, not a minute. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Response timeout for control calls; image pulls are bounded separately by the resolver. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    private final DockerClient client;
    private final DockerClientConfig config;
    private final DaemonEndpoint daemon;

    private DockerConnection(DockerClient client, DockerClientConfig config, DaemonEndpoint daemon) {
        this.client = client;
        this.config = config;
        this.daemon = daemon;
    }

    /**
     * Connects to {@code dockerHost} ({@code unix:///var/run/docker.sock} or {@code tcp://host:port}). With
     * {@code tlsCertPath} a {@code tcp://} daemon is spoken to over TLS as the Docker CLI does with
     * {@code DOCKER_TLS_VERIFY}: its certificate verified against {@code ca.pem} (and its name against the host),
     * {@code cert.pem}/{@code key.pem} presented; a unix socket ignores it. Nothing is sent until the first call.
     *
     * @throws IllegalArgumentException when the certificate files cannot be read or parsed
     */
    public static DockerConnection connect(String dockerHost, Optional<Path> tlsCertPath, Duration connectTimeout,
                                           Duration responseTimeout) {
        Objects.requireNonNull(dockerHost, "dockerHost");
        Optional<Path> certPath = dockerHost.startsWith("tcp://") ? tlsCertPath : Optional.empty();
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withDockerTlsVerify(certPath.isPresent());
        certPath.ifPresent(path -> builder.withDockerCertPath(path.toString()));
        DockerClientConfig config = builder.build();
        Optional<SSLContext> tls = certPath.map(DockerTls::context);
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(tls.<com.github.dockerjava.transport.SSLConfig>map(context -> () -> context).orElse(null))
                .maxConnections(64)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .build();
        return new DockerConnection(DockerClientImpl.getInstance(config, http), config,
                new DaemonEndpoint(config.getDockerHost(), tls, connectTimeout, responseTimeout));
    }

    /** Connects without TLS, with the default timeouts. */
    public static DockerConnection connect(String dockerHost) {
        return connect(dockerHost, Optional.empty(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
    }

    /** Connects with the default timeouts; TLS as in {@link #connect(String, Optional, Duration, Duration)}. */
    public static DockerConnection connect(String dockerHost, Optional<Path> tlsCertPath) {
        return connect(dockerHost, tlsCertPath, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
    }

    public DockerClient client() {
        return client;
    }

    public DockerClientConfig config() {
        return config;
    }

    /**
     * Over TLS: empty when the daemon and this client accept each other, or when the daemon cannot be reached at all
     * (an outage); else the TLS failure (the daemon's certificate untrusted or not naming the host, or ours
     * refused). Without TLS: empty.
     */
    public Optional<String> tlsFailure() {
        return daemon.tlsFailure();
    }

    /** Where raw connections (the attach hijack) go, plain or TLS as the client. */
    DaemonEndpoint daemon() {
        return daemon;
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // Closing a pooled HTTP client; nothing to recover.
        }
    }
}
