package io.execq.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.config.ConfigException;
import io.execq.executor.kafka.EmbeddedKafkaMode;
import io.execq.executor.sandbox.FallbackPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutorConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ExecutorConfig config = ExecutorConfig.of(Map.of());

        assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(config.get(ExecutorConfig.EMBEDDED_KAFKA)).isEqualTo(EmbeddedKafkaMode.AUTO);
        assertThat(config.get(ExecutorConfig.HTTP_PORT)).isEqualTo(9400);
        assertThat(config.get(ExecutorConfig.FALLBACK)).isEqualTo(FallbackPolicy.PROCESS);
        assertThat(config.get(ExecutorConfig.SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.imageAliases()).containsEntry("python", "execq/python:3.11");
        assertThat(config.allowedImages()).containsExactly("execq/*");
        assertThat(config.executorId()).startsWith("executor-");
        assertThat(config.defaultLimits().getMemoryBytes()).isEqualTo(256L << 20);
        assertThat(config.maxLimits().getMaxOutputBytes()).isEqualTo(4L << 20);
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("executor.properties");
        Files.writeString(file, "concurrency=3\nrate=7\nhttp-port=9500\n");

        ExecutorConfig config = ExecutorConfig.from(
                Map.of("config", List.of(file.toString()), "concurrency", List.of("5")),
                Map.of("EXECQ_CONCURRENCY", "4", "EXECQ_RATE", "9"));

        assertThat(config.get(ExecutorConfig.CONCURRENCY)).isEqualTo(5);
        assertThat(config.get(ExecutorConfig.RATE)).isEqualTo(9.0);
        assertThat(config.get(ExecutorConfig.HTTP_PORT)).isEqualTo(9500);
    }

    @Test
    void envNamesAreDerivedFromOptionNames() {
        assertThat(ExecutorConfig.MAX_MEMORY.envName()).isEqualTo("EXECQ_MAX_MEMORY");
        assertThat(ExecutorConfig.BOOTSTRAP_SERVERS.flag()).isEqualTo("--bootstrap-servers");
        assertThat(ExecutorConfig.keys()).extracting(k -> k.name()).doesNotHaveDuplicates();
    }

    @Test
    void badValueNamesTheOptionAndTheAcceptedRange() {
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("concurrency", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value '0' for --concurrency (EXECQ_CONCURRENCY): must be between 1 and 1024");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("fallback", "sometimes")))
                .hasMessage("Invalid value 'sometimes' for --fallback (EXECQ_FALLBACK): must be one of process|none");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("max-memory", "1k")))
                .hasMessage("Invalid value '1k' for --max-memory (EXECQ_MAX_MEMORY): must be between 4 MiB and 1 TiB");
    }

    @Test
    void defaultsMustNotExceedMaxima() {
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("default-timeout", "5m", "max-timeout", "1m")))
                .hasMessage("--default-timeout (PT5M) must not exceed --max-timeout (PT1M)");
    }

    @Test
    void kafkaPropertiesPassThroughWithFlagsOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "security.protocol=SSL\nssl.truststore.location=/etc/ts.jks\n");

        ExecutorConfig config = ExecutorConfig.from(Map.of("kafka-config", List.of(file.toString()),
                "kafka-property", List.of("security.protocol=SASL_SSL", "sasl.mechanism=PLAIN")), Map.of());

        assertThat(config.kafkaProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/ts.jks",
                "sasl.mechanism", "PLAIN"));
    }

    @Test
    void prePullTakesSeveralImagesAndThePullTimeoutIsADuration() {
        ExecutorConfig config = ExecutorConfig.from(Map.of("pre-pull", List.of("execq/busybox:latest",
                "execq/python:3.11")), Map.of("EXECQ_IMAGE_PULL_TIMEOUT", "90s"));

        assertThat(config.prePullImages()).containsExactly("execq/busybox:latest", "execq/python:3.11");
        assertThat(config.get(ExecutorConfig.IMAGE_PULL_TIMEOUT)).isEqualTo(Duration.ofSeconds(90));
        assertThat(ExecutorConfig.of(Map.of()).prePullImages()).isEmpty();
    }

    @Test
    void warmPoolIsOffByDefaultAndKeepsTheDefaultImageUnlessImagesAreNamed() {
        ExecutorConfig defaults = ExecutorConfig.of(Map.of("default-image", "execq/python:3.11"));
        ExecutorConfig named = ExecutorConfig.from(Map.of("warm-pool", List.of("3")),
                Map.of("EXECQ_WARM_POOL_IMAGE", "execq/busybox:latest,execq/python:3.11"));

        assertThat(defaults.get(ExecutorConfig.WARM_POOL)).isZero();
        assertThat(defaults.warmPoolImages()).containsExactly("execq/python:3.11");
        assertThat(named.get(ExecutorConfig.WARM_POOL)).isEqualTo(3);
        assertThat(named.warmPoolImages()).containsExactly("execq/busybox:latest", "execq/python:3.11");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("warm-pool", "65")))
                .hasMessageContaining("--warm-pool");
    }

    @Test
    void dockerHostFollowsTheDockerCliWhenExecqIsNotTold() {
        assertThat(ExecutorConfig.from(Map.of(), Map.of()).get(ExecutorConfig.DOCKER_HOST))
                .isEqualTo("unix:///var/run/docker.sock");
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "unix:///nowhere"))
                .get(ExecutorConfig.DOCKER_HOST)).isEqualTo("unix:///nowhere");
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "unix:///nowhere",
                "EXECQ_DOCKER_HOST", "unix:///execq.sock")).get(ExecutorConfig.DOCKER_HOST))
                .isEqualTo("unix:///execq.sock");
        assertThat(ExecutorConfig.from(Map.of("docker-host", List.of("tcp://127.0.0.1:2375")),
                Map.of("DOCKER_HOST", "unix:///nowhere")).get(ExecutorConfig.DOCKER_HOST))
                .isEqualTo("tcp://127.0.0.1:2375");
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "")).get(ExecutorConfig.DOCKER_HOST))
                .isEqualTo("unix:///var/run/docker.sock");
    }

    @Test
    void aDockerHostExecqCannotSpeakToIsRefusedAtStartUp() {
        assertThatThrownBy(() -> ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "ssh://me@box")))
                .hasMessageContaining("--docker-host").hasMessageContaining("ssh -L");
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_TLS_VERIFY", "1")).dockerTlsCertPath())
                .as("TLS settings do not concern a unix socket").isEmpty();
    }

    @Test
    void dockerTlsFollowsTheDockerCliVariablesAndFlagsWin(@TempDir Path dir) throws Exception {
        Path cli = certDirectory(dir.resolve("cli"));
        Path flag = certDirectory(dir.resolve("flag"));
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", cli.toString());

        ExecutorConfig fromEnv = ExecutorConfig.from(Map.of(), env);
        assertThat(fromEnv.get(ExecutorConfig.DOCKER_HOST)).isEqualTo("tcp://127.0.0.1:2376");
        assertThat(fromEnv.dockerTlsCertPath()).contains(cli);
        assertThat(ExecutorConfig.from(Map.of("docker-cert-path", List.of(flag.toString())), env).dockerTlsCertPath())
                .contains(flag);
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY",
                "1", "DOCKER_CERT_PATH", cli.toString(), "EXECQ_DOCKER_CERT_PATH", flag.toString()))
                .dockerTlsCertPath()).contains(flag);
        assertThat(ExecutorConfig.from(Map.of("docker-tls-verify", List.of("false")), env).dockerTlsCertPath())
                .as("the flag turns TLS off").isEmpty();
        assertThat(ExecutorConfig.from(Map.of("docker-host", List.of("unix:///var/run/docker.sock")), env)
                .dockerTlsCertPath()).as("a unix socket never speaks TLS").isEmpty();
        assertThat(ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375")).dockerTlsCertPath())
                .as("plain tcp:// without DOCKER_TLS_VERIFY, as with the Docker CLI").isEmpty();
        assertThat(ExecutorConfig.from(Map.of(), Map.of()).get(ExecutorConfig.DOCKER_CERT_PATH))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".docker"));
    }

    @Test
    void dockerTlsWithoutItsCertificateFilesIsRefusedAtStartUpNamingTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "not checked here");
        assertThatThrownBy(() -> ExecutorConfig.from(Map.of(), Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376",
                "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS to the Docker daemon at tcp://127.0.0.1:2376")
                .hasMessageContaining("--docker-cert-path")
                .hasMessageContaining(dir.resolve("cert.pem") + " is missing");
        assertThatThrownBy(() -> ExecutorConfig.from(Map.of("docker-tls-verify", List.of("true"), "docker-host",
                List.of("tcp://127.0.0.1:2376"), "docker-cert-path", List.of(dir.resolve("nowhere").toString())),
                Map.of()))
                .hasMessageContaining(dir.resolve("nowhere").resolve("ca.pem") + " is missing");
    }

    /** A directory with the three files the configuration checks for (their contents are the executor's concern). */
    private static Path certDirectory(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String name : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(dir.resolve(name), "-----BEGIN CERTIFICATE-----\n");
        }
        return dir;
    }

    @Test
    void httpHostIsLoopbackUnlessAnAddressIsGiven() throws Exception {
        assertThat(ExecutorConfig.of(Map.of()).get(ExecutorConfig.HTTP_HOST))
                .isEqualTo(java.net.InetAddress.getByName("127.0.0.1"));
        assertThat(ExecutorConfig.of(Map.of("http-host", "0.0.0.0")).get(ExecutorConfig.HTTP_HOST).isAnyLocalAddress())
                .isTrue();
        assertThat(ExecutorConfig.from(Map.of(), Map.of("EXECQ_HTTP_HOST", "::")).get(ExecutorConfig.HTTP_HOST)
                .isAnyLocalAddress()).isTrue();
        for (String bad : List.of("localhost", "256.0.0.1", "1.2.3", "::g")) {
            assertThatThrownBy(() -> ExecutorConfig.of(Map.of("http-host", bad)))
                    .hasMessage("Invalid value '" + bad + "' for --http-host (EXECQ_HTTP_HOST): expected an IP address "
                            + "such as 127.0.0.1, 0.0.0.0 or ::");
        }
    }

    @Test
    void unknownOptionIsRefused() {
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("concurency", "2")))
                .hasMessage("Unknown option --concurency");
    }
}
