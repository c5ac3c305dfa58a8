package io.execq.ops;

import static io.execq.ops.OpsFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ops/compose.yaml} and its Prometheus configuration against the executor image and the executor: the
 * executors' environment together with the image's is a valid configuration on the broker's internal listener; the
 * service scales (no fixed port, no container name); host ports are published on loopback only and Kafka advertises
 * the one it is published on; Prometheus discovers the executor service on the image's port. ComposeStackIT runs the
 * file.
 */
class ComposeFilesTest {

    private static final Path COMPOSE = OpsFiles.OPS.resolve("compose.yaml");
    /** Time the executor needs after the shutdown grace: commit the last results, close the Kafka clients. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(10);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::([-?])([^}]*))?}");

    private static Map<String, Object> services;
    private static Map<String, Object> executor;
    private static Dockerfile image;

    @BeforeAll
    static void load() {
        services = at(OpsFiles.yaml(COMPOSE).get(0), "services");
        executor = at(services, "executor");
        image = Dockerfile.parse(Dockerfile.EXECUTOR);
    }

    @Test
    void executorsRunTheExecutorImageOnTheBrokersInternalListener() {
        ExecutorConfig config = executorConfig();
        Map<String, String> kafka = at(services, "kafka", "environment");
        String internal = listener(kafka.get("KAFKA_INTER_BROKER_LISTENER_NAME"), kafka.get("KAFKA_LISTENERS"));

        assertThat(interpolated((String) executor.get("image"))).isEqualTo("execq/executor:latest");
        assertThat(config.bootstrapServers()).isEqualTo("kafka:" + internal.substring(internal.lastIndexOf(':') + 1));
        assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS"))
                .contains(kafka.get("KAFKA_INTER_BROKER_LISTENER_NAME") + "://" + config.bootstrapServers());
        assertThat(at(executor, "depends_on", "kafka", "condition").toString()).isEqualTo("service_healthy");
    }

    @Test
    void executorServiceScalesAndPublishesNothing() {
        assertThat(executor).doesNotContainKeys("ports", "container_name", "hostname");
    }

    @Test
    void executorsUseTheHostsDockerSocketWithItsGroupAndNeverTheProcessFallback() {
        ExecutorConfig config = executorConfig();
        String socket = config.get(ExecutorConfig.DOCKER_HOST).substring("unix://".length());
        List<String> volumes = at(executor, "volumes");
        List<String> groups = at(executor, "group_add");

        assertThat(volumes).contains(socket + ":" + socket);
        assertThat(groups).singleElement().asString().startsWith("${EXECQ_DOCKER_GID:?");
        assertThat(config.get(ExecutorConfig.FALLBACK).name()).isEqualTo("NONE");
    }

    @Test
    void stopGraceOutlastsTheShutdownGraceAndTheRootFileSystemIsReadOnly() {
        Duration stopGrace = Duration.ofSeconds(Long.parseLong(((String) executor.get("stop_grace_period"))
                .replaceFirst("s$", "")));

        assertThat(stopGrace).isGreaterThanOrEqualTo(executorConfig().get(ExecutorConfig.SHUTDOWN_GRACE)
                .plus(CLOSE_MARGIN));
        assertThat(executor.get("read_only")).isEqualTo(true);
        assertThat(OpsFiles.<List<String>>at(executor, "tmpfs")).containsExactly("/tmp");
        assertThat(OpsFiles.<List<String>>at(executor, "cap_drop")).containsExactly("ALL");
    }

    @Test
    void hostPortsAreOnLoopbackOnlyAndKafkaAdvertisesThePortItIsPublishedOn() {
        for (Map.Entry<String, Object> service : services.entrySet()) {
            @SuppressWarnings("unchecked")
            List<String> ports = (List<String>) ((Map<String, Object>) service.getValue()).getOrDefault("ports",
                    List.of());
            assertThat(ports).as(service.getKey()).allSatisfy(p -> assertThat(p).startsWith("127.0.0.1:"));
        }
        Map<String, String> kafka = at(services, "kafka", "environment");
        String published = OpsFiles.<List<String>>at(services, "kafka", "ports").get(0);
        String[] parts = published.split(":(?![^{]*})"); // 127.0.0.1 : ${EXECQ_KAFKA_PORT:-9092} : 9092
        String host = listener("HOST", kafka.get("KAFKA_LISTENERS"));
        Map<String, String> environment = Map.of("EXECQ_KAFKA_PORT", "19555");

        assertThat(parts).hasSize(3);
        assertThat(host).endsWith(":" + parts[2]);
        assertThat(interpolated(listener("HOST", kafka.get("KAFKA_ADVERTISED_LISTENERS")), environment))
                .isEqualTo("HOST://127.0.0.1:" + interpolated(parts[1], environment)).endsWith(":19555");
    }

    @Test
    void prometheusDiscoversTheExecutorServiceOnTheImagesPort() throws Exception {
        Map<String, Object> prometheus = at(services, "prometheus");
        List<String> volumes = at(prometheus, "volumes");
        Path config = mounted(volumes, "/etc/prometheus/prometheus.yml");
        Map<String, Object> job = at(OpsFiles.yaml(config).get(0), "scrape_configs", 0);
        Map<String, Object> dns = at(job, "dns_sd_configs", 0);
        Map<String, Object> shipped = at(OpsFiles.yaml(OpsFiles.OPS.resolve("prometheus/prometheus.yml")).get(0),
                "scrape_configs", 0);
        List<String> rules = at(OpsFiles.yaml(config).get(0), "rule_files");

        assertThat(job.get("job_name")).isEqualTo(shipped.get("job_name")).isEqualTo("execq-executors");
        assertThat(job.get("metrics_path")).isEqualTo("/metrics");
        assertThat(OpsFiles.<List<String>>at(dns, "names")).containsExactly("executor");
        assertThat(services).containsKey("executor");
        assertThat(dns.get("type")).isEqualTo("A");
        assertThat(dns.get("port").toString()).isEqualTo(image.one("EXPOSE"));
        assertThat(rules).containsExactly("execq-rules.yml");
        assertThat(Files.isSameFile(mounted(volumes, "/etc/prometheus/execq-rules.yml"),
                OpsFiles.OPS.resolve("prometheus/execq-rules.yml"))).isTrue();
    }

    /** The configuration of an executor of the stack: the image's CMD and ENV, then the service's environment. */
    private static ExecutorConfig executorConfig() {
        Set<String> known = ExecutorConfig.keys().stream().map(ConfigKey::envName).collect(Collectors.toSet());
        Map<String, String> env = new HashMap<>();
        image.env().forEach((k, v) -> {
            if (k.startsWith("EXECQ_")) {
                env.put(k, v);
            }
        });
        Map<String, Object> service = at(executor, "environment");
        service.forEach((k, v) -> {
            assertThat(known).as("environment variable of an executor option").contains(k);
            env.put(k, interpolated(String.valueOf(v)));
        });
        assertThat(image.execForm("CMD")).containsExactly("serve");
        return ExecutorConfig.from(Map.of(), env);
    }

    /** The listener named {@code name} in a Kafka listener list ({@code NAME://host:port,...}). */
    private static String listener(String name, String listeners) {
        return List.of(listeners.split(",")).stream().filter(l -> l.startsWith(name + "://")).findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name + " in " + listeners));
    }

    /** The host file of a {@code ./relative:container[:ro]} volume mounted at {@code target}. */
    private static Path mounted(List<String> volumes, String target) {
        return volumes.stream().map(v -> v.split(":")).filter(v -> v.length >= 2 && v[1].equals(target))
                .map(v -> COMPOSE.resolveSibling(v[0])).findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + target + ": " + volumes));
    }

    private static String interpolated(String value) {
        return interpolated(value, Map.of());
    }

    /** Compose's {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:?error}} with {@code environment}. */
    private static String interpolated(String value, Map<String, String> environment) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String set = environment.get(m.group(1));
            String replacement;
            if (set != null && !set.isEmpty()) {
                replacement = set;
            } else if ("-".equals(m.group(2))) {
                replacement = m.group(3);
            } else {
                throw new AssertionError(m.group(1) + " is required by " + value);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(out).toString();
    }
}
