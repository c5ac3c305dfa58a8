package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.config.ConfigException;
import io.execq.schema.Backend;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestCertificateAuthority;
import io.execq.testing.TestKafka;
import io.execq.testing.TlsSocketProxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DOCKER_HOST=tcp://...}, {@code DOCKER_TLS_VERIFY=1} and {@code DOCKER_CERT_PATH} work as with the Docker
 * CLI: a TLS-terminating proxy on 127.0.0.1 that requires a client certificate stands in front of the real daemon's
 * socket (the daemon itself is never touched), and the executor is told about it only through those variables. Runs
 * go through it (control calls and the hijacked attach stream, stdin end-of-file included), and a client
 * certificate from another CA, or a daemon certificate that is untrusted or names another host, stops the start-up
 * with a TLS error.
 */
class DockerTlsIT {

    @TempDir
    static Path dir;
    private static TestCertificateAuthority daemonCa;
    private static TestCertificateAuthority clientCa;
    private static TlsSocketProxy docker;
    private static String bootstrap;

    @BeforeAll
    static void setUp() {
        DockerAvailability.requireDocker();
        bootstrap = TestKafka.shared().bootstrapServers();
        daemonCa = TestCertificateAuthority.create(dir.resolve("daemon-ca"), "execq test daemon CA");
        clientCa = TestCertificateAuthority.create(dir.resolve("client-ca"), "execq test client CA");
        docker = TlsSocketProxy.start(daemonCa.issueServer(dir.resolve("daemon"), clientCa),
                Path.of("/var/run/docker.sock"));
    }

    @AfterAll
    static void tearDown() {
        if (docker != null) {
            docker.close();
        }
    }

    /** An executor configured as the Docker CLI would be: {@code DOCKER_*} variables only, no execq flag. */
    private static ExecutorConfig dockerCliEnvironment(ExecqTopics topics, TlsSocketProxy daemon, Path certPath,
                                                       Map<String, String> options) {
        Map<String, List<String>> flags = new HashMap<>();
        topics.executorOptions(options).forEach((k, v) -> flags.put(k, List.of(v)));
        return ExecutorConfig.from(flags, Map.of("DOCKER_HOST", daemon.dockerHost(), "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", certPath.toString()));
    }

    @Test
    void runsGoThroughTheTlsDaemonNamedByTheDockerCliVariables() throws Exception {
        Path certs = clientCa.issueClient(dir.resolve("client"), daemonCa);
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
        // No fallback: a result can only come from a container; a warm-pool container's attach is checked too.
        ExecutorConfig config = dockerCliEnvironment(topics, docker, certs,
                Map.of("fallback", "none", "warm-pool", "1"));
        assertThat(config.get(ExecutorConfig.DOCKER_HOST)).isEqualTo(docker.dockerHost());
        int before = docker.handshakes();

        try (ExecutorInstance executor = ExecutorInstance.start(config);
             Requests requests = new Requests(bootstrap, topics.requests())) {
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    BackpressureIT.metric(executor, "execq_warm_pool_idle") == 1.0);
            ExecutionRequest warm = Requests.command(Isolation.CONTAINER, "echo", "over tls").build();
            ExecutionRequest stdin = Requests.command(Isolation.CONTAINER, "sh", "-c", "wc -c; echo err >&2")
                    .setStdin(ByteBuffer.wrap("fourteen bytes".getBytes(StandardCharsets.UTF_8)))
                    .build();
            requests.send(warm, 0);
            requests.send(stdin, 0);

            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(),
                    Set.of(warm.getRequestId(), stdin.getRequestId()), Duration.ofSeconds(40));
            ExecutionResult echoed = Results.only(results, warm.getRequestId());
            assertThat(echoed.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(echoed.getBackend()).isEqualTo(Backend.DOCKER);
            assertThat(echoed.getStdout().getData().array()).asString().isEqualTo("over tls\n");
            assertThat(BackpressureIT.metric(executor, "execq_warm_pool_hits_total")).isGreaterThanOrEqualTo(1.0);

            ExecutionResult counted = Results.only(results, stdin.getRequestId());
            assertThat(counted.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(counted.getBackend()).isEqualTo(Backend.DOCKER);
            assertThat(counted.getStdout().getData().array()).as("stdin reached its end over TLS").asString()
                    .isEqualTo("14\n");
            assertThat(counted.getStderr().getData().array()).asString().isEqualTo("err\n");
        }
        assertThat(docker.handshakes() - before).as("every call went through the TLS proxy").isGreaterThan(2);
        assertThat(docker.protocols()).as("TLS 1.3, whose half-close carries stdin's end").containsExactly("TLSv1.3");
    }

    @Test
    void aClientCertificateFromAnotherCaStopsTheStartUpWithATlsError() {
        TestCertificateAuthority stranger = TestCertificateAuthority.create(dir.resolve("stranger-ca"), "stranger");
        Path certs = stranger.issueClient(dir.resolve("stranger"), daemonCa);
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
        int refusedBefore = docker.refused();
        long start = System.nanoTime();

        assertThatThrownBy(() -> ExecutorInstance.start(dockerCliEnvironment(topics, docker, certs, Map.of()))
                .close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS to the Docker daemon at " + docker.dockerHost() + " failed")
                .hasMessageContaining(certs.toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused, not hung")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(docker.refused()).isGreaterThan(refusedBefore);
    }

    @Test
    void aDaemonCertificateNotNamingTheHostStopsTheStartUpWithATlsError() {
        Path certs = clientCa.issueClient(dir.resolve("client-for-misnamed"), daemonCa);
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
        // Signed by the trusted CA, but for another name than the 127.0.0.1 the executor dials.
        try (TlsSocketProxy misnamed = TlsSocketProxy.start(daemonCa.issueServer(dir.resolve("misnamed"), clientCa,
                "DNS:elsewhere.invalid"), Path.of("/var/run/docker.sock"))) {
            assertThatThrownBy(() -> ExecutorInstance.start(dockerCliEnvironment(topics, misnamed, certs, Map.of()))
                    .close())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("TLS to the Docker daemon at " + misnamed.dockerHost() + " failed")
                    .hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void aDaemonCertificateFromAnUntrustedCaStopsTheStartUpWithATlsError() {
        // A genuine client certificate, but the client trusts only its own CA, not the daemon's.
        Path certs = clientCa.issueClient(dir.resolve("distrustful"), clientCa);
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);

        assertThatThrownBy(() -> ExecutorInstance.start(dockerCliEnvironment(topics, docker, certs, Map.of()))
                .close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS to the Docker daemon at " + docker.dockerHost() + " failed")
                .hasMessageContaining("PKIX");
    }
}
