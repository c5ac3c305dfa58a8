package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One docker-java client plus what the sandbox needs beside it: the client configuration (registry credentials
 * from {@code ~/.docker/config.json}) and the daemon's socket address for the attach hijack.
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

    private DockerConnection(DockerClient client, DockerClientConfig config) {
        this.client = client;
        this.config = config;
    }

    /**
     * Connects to {@code dockerHost} ({@code unix:///var/run/docker.sock} or {@code tcp://host:port} without
     * TLS). Nothing is sent until the first call.
     */
    public static DockerConnection connect(String dockerHost, Duration connectTimeout, Duration responseTimeout) {
        Objects.requireNonNull(dockerHost, "dockerHost");
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withDockerTlsVerify(false)
                .build();
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .build();
        return new DockerConnection(DockerClientImpl.getInstance(config, http), config);
    }

    /** Connects with the default timeouts. */
    public static DockerConnection connect(String dockerHost) {
        return connect(dockerHost, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT);
    }

    public DockerClient client() {
        return client;
    }

    public DockerClientConfig config() {
        return config;
    }

    /** The address to open raw connections to (the attach hijack). */
    SocketAddress socketAddress() {
        URI host = config.getDockerHost();
        switch (host.getScheme()) {
            case "unix":
                return UnixDomainSocketAddress.of(host.getPath());
            case "tcp":
                return new InetSocketAddress(host.getHost(), host.getPort());
            default:
                throw new IllegalArgumentException("unsupported docker host scheme: " + host);
        }
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
