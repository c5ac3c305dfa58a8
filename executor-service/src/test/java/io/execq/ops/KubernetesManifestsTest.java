package io.execq.ops;

import static io.execq.ops.OpsFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.cli.ExecqCommand;
import io.execq.executor.ExecutorConfig;
import io.execq.executor.config.ConfigKey;
import io.execq.executor.http.HealthServer;
import io.execq.executor.sandbox.FallbackPolicy;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Parses every manifest under {@code ops/k8s/} and checks what must agree with the executor: the Deployment's args
 * are options of {@code execq serve} with valid values (together with the ConfigMap's files and the EXECQ_*
 * environment, they build an {@link ExecutorConfig}), the probes ask the health server's routes on its port, the
 * grace periods agree, KEDA scales on the executors' real group and topic, and the Service and the disruption budget
 * select the executor pods. No cluster: kind and k3s are not in Debian, and none of this needs one.
 */
class KubernetesManifestsTest {

    private static final Path K8S = OpsFiles.OPS.resolve("k8s");
    /** Time the executor needs after the shutdown grace: commit the last results, close the Kafka clients. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(10);

    private static List<Map<String, Object>> manifests;
    private static Map<String, Object> deployment;
    private static Map<String, Object> container;
    private static ExecutorConfig config;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        manifests = OpsFiles.yamlDocuments(K8S);
        deployment = one("Deployment");
        container = at(deployment, "spec", "template", "spec", "containers", 0);
        config = deployedConfig(dir);
    }

    @Test
    void everyManifestHasAKindAndANameAndTheSetIsComplete() {
        for (Map<String, Object> manifest : manifests) {
            assertThat((String) at(manifest, "apiVersion")).isNotBlank();
            assertThat((String) at(manifest, "metadata", "name")).isNotBlank();
        }
        assertThat(manifests).extracting(m -> (String) m.get("kind")).containsExactlyInAnyOrder(
                "ConfigMap", "Deployment", "ScaledObject", "PodDisruptionBudget", "Service");
    }

    @Test
    void argsAreOptionsOfExecqServeAndTheDeployedConfigurationIsValid() {
        List<String> args = at(container, "args");
        assertThat(args.get(0)).isEqualTo("serve");
        // The deployedConfig() above went through picocli and ExecutorConfig: unknown flags and bad values fail there.
        assertThat(config.get(ExecutorConfig.HTTP_HOST).isAnyLocalAddress())
                .as("probes and Prometheus reach the pod's IP, not its loopback").isTrue();
        assertThat(config.bootstrapServers()).doesNotStartWith("127.").doesNotStartWith("localhost");
        assertThat(config.get(ExecutorConfig.EMBEDDED_KAFKA).name()).isEqualTo("NEVER");
    }

    @Test
    void configMapFilesHoldOnlyOptionsTheExecutorKnows() throws Exception {
        Map<String, String> data = at(one("ConfigMap"), "data");
        Properties options = new Properties();
        options.load(new StringReader(data.get("executor.properties")));
        Set<String> known = ExecutorConfig.keys().stream().map(ConfigKey::name).collect(Collectors.toSet());

        assertThat(options.stringPropertyNames()).isNotEmpty().allSatisfy(name -> assertThat(known).contains(name));
        assertThat(data).containsKey("kafka.properties");
    }

    @Test
    void probesAskTheHealthServersRoutesOnTheHttpPort() throws Exception {
        Map<String, Object> liveness = at(container, "livenessProbe", "httpGet");
        Map<String, Object> startup = at(container, "startupProbe", "httpGet");
        Map<String, Object> readiness = at(container, "readinessProbe", "httpGet");
        assertThat(liveness.get("path")).isEqualTo("/health/live");
        assertThat(startup.get("path")).isEqualTo("/health/live");
        assertThat(readiness.get("path")).isEqualTo("/health/ready");
        for (Map<String, Object> probe : List.of(liveness, startup, readiness)) {
            assertThat(containerPort(probe.get("port"))).isEqualTo(config.get(ExecutorConfig.HTTP_PORT));
        }

        // The routes exist on the real health server: 200, where an unknown path is 404.
        try (HealthServer server = new HealthServer(InetAddress.getLoopbackAddress(), 0, () -> true, List::of,
                () -> "")) {
            for (Map<String, Object> probe : List.of(liveness, startup, readiness)) {
                assertThat(status(server.port(), (String) probe.get("path"))).as(probe.toString()).isEqualTo(200);
            }
            assertThat(status(server.port(), "/health/nothing")).isEqualTo(404);
        }
    }

    @Test
    void terminationGracePeriodOutlastsTheShutdownGrace() {
        int terminationGrace = at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds");
        Duration shutdownGrace = config.get(ExecutorConfig.SHUTDOWN_GRACE);

        assertThat(Duration.ofSeconds(terminationGrace))
                .as("the kubelet's SIGKILL must come after --shutdown-grace %s plus %s to commit and close",
                        shutdownGrace, CLOSE_MARGIN)
                .isGreaterThanOrEqualTo(shutdownGrace.plus(CLOSE_MARGIN));
    }

    @Test
    void kedaScalesTheDeploymentOnTheExecutorsGroupAndTopic() {
        Map<String, Object> scaled = one("ScaledObject");
        Map<String, Object> trigger = at(scaled, "spec", "triggers", 0);
        Map<String, Object> kafka = at(trigger, "metadata");

        assertThat(at(scaled, "spec", "scaleTargetRef", "name").toString()).isEqualTo(name(deployment));
        assertThat(trigger.get("type")).isEqualTo("kafka");
        assertThat(kafka.get("consumerGroup")).isEqualTo(config.get(ExecutorConfig.GROUP_ID))
                .isEqualTo("execq-executors");
        assertThat(kafka.get("topic")).isEqualTo(config.get(ExecutorConfig.REQUESTS_TOPIC))
                .isEqualTo("execq.requests");
        assertThat(kafka.get("bootstrapServers")).isEqualTo(config.bootstrapServers());
        assertThat(Integer.parseInt((String) kafka.get("lagThreshold"))).isPositive();
        assertThat(Integer.parseInt((String) kafka.get("activationLagThreshold"))).isNotNegative();
        assertThat(kafka.get("offsetResetPolicy")).isEqualTo("earliest");
        if (!"true".equals(kafka.get("allowIdleConsumers"))) {
            assertThat((int) at(scaled, "spec", "maxReplicaCount"))
                    .as("KEDA caps replicas at the partition count; more would idle")
                    .isLessThanOrEqualTo(config.get(ExecutorConfig.REQUEST_PARTITIONS));
        }
    }

    @Test
    void metricsServiceAndDisruptionBudgetSelectTheExecutorPods() {
        Map<String, String> podLabels = at(deployment, "spec", "template", "metadata", "labels");
        Map<String, String> deploymentSelector = at(deployment, "spec", "selector", "matchLabels");
        Map<String, Object> service = one("Service");
        Map<String, Object> servicePort = at(service, "spec", "ports", 0);
        Map<String, String> budgetSelector = at(one("PodDisruptionBudget"), "spec", "selector", "matchLabels");

        assertThat(podLabels).containsAllEntriesOf(deploymentSelector);
        assertThat(podLabels).containsAllEntriesOf(at(service, "spec", "selector"));
        assertThat(budgetSelector).isEqualTo(deploymentSelector);
        assertThat(servicePort.get("port")).isEqualTo(config.get(ExecutorConfig.HTTP_PORT));
        assertThat(containerPort(servicePort.get("targetPort"))).isEqualTo(config.get(ExecutorConfig.HTTP_PORT));
    }

    @Test
    void aPodThatHoldsTheNodesDockerSocketNeverRunsRequestsInsideItself() {
        List<Map<String, Object>> volumes = at(deployment, "spec", "template", "spec", "volumes");
        boolean socket = volumes.stream().anyMatch(v -> v.get("hostPath") instanceof Map<?, ?> host
                && String.valueOf(host.get("path")).endsWith("docker.sock"));

        assertThat(socket).isTrue();
        assertThat(config.get(ExecutorConfig.DOCKER_HOST)).isEqualTo("unix:///var/run/docker.sock");
        assertThat(config.get(ExecutorConfig.FALLBACK))
                .as("a run in the process fallback could reach the mounted socket: root on the node")
                .isEqualTo(FallbackPolicy.NONE);
    }

    @Test
    void podRunsUnprivilegedWithLimits() {
        Map<String, Object> pod = at(deployment, "spec", "template", "spec");
        Map<String, Object> security = at(container, "securityContext");

        assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
        assertThat(at(pod, "securityContext", "seccompProfile", "type").toString()).isEqualTo("RuntimeDefault");
        assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(security.get("readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(OpsFiles.<List<String>>at(security, "capabilities", "drop")).containsExactly("ALL");
        assertThat((String) at(container, "resources", "requests", "memory")).isNotBlank();
        assertThat((String) at(container, "resources", "limits", "memory")).isNotBlank();
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
    }

    @Test
    void imageIsTheExecutorImageOfThisVersion() {
        assertThat(container.get("image")).isEqualTo("execq/executor:" + OpsFiles.projectVersion());
    }

    @Test
    void prometheusKubernetesJobKeepsTheMetricsServicesPort() {
        Map<String, Object> job = at(OpsFiles.yaml(OpsFiles.OPS.resolve("prometheus/prometheus-kubernetes.yml"))
                .get(0), "scrape_configs", 0);
        Map<String, Object> keep = at(job, "relabel_configs", 0);
        Map<String, Object> service = one("Service");

        assertThat(job.get("job_name")).isEqualTo("execq-executors");
        assertThat(keep.get("action")).isEqualTo("keep");
        assertThat(keep.get("regex")).isEqualTo(name(service) + ";" + at(service, "spec", "ports", 0, "name"));
    }

    /**
     * Parses the Deployment's args with {@code execq}'s own command line (unknown options fail), replaces the
     * config-file paths by the ConfigMap's files they are mounted from, and builds the executor's configuration
     * with the container's EXECQ_* environment (invalid values and unknown variables fail).
     */
    private static ExecutorConfig deployedConfig(Path dir) throws Exception {
        List<String> args = at(container, "args");
        CommandLine.ParseResult serve = ExecqCommand.commandLine().parseArgs(args.toArray(String[]::new))
                .subcommand();
        assertThat(serve).as("args start with the serve command").isNotNull();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (CommandLine.Model.OptionSpec option : serve.matchedOptions()) {
            String flag = option.longestName().substring(2);
            Object value = option.getValue();
            List<String> values = value instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                    : List.of(String.valueOf(value));
            if (flag.equals(ExecutorConfig.CONFIG_FILE.name()) || flag.equals(ExecutorConfig.KAFKA_CONFIG.name())) {
                values = List.of(mountedFile(values.get(0), dir).toString());
            }
            flags.put(flag, values);
        }
        return ExecutorConfig.from(flags, executorEnvironment());
    }

    /** EXECQ_* variables of the container; each must be an option's variable. Downward-API values get a pod name. */
    private static Map<String, String> executorEnvironment() {
        Set<String> known = ExecutorConfig.keys().stream().map(ConfigKey::envName).collect(Collectors.toSet());
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> variable : OpsFiles.<List<Map<String, Object>>>at(container, "env")) {
            String name = (String) variable.get("name");
            if (!name.startsWith("EXECQ_")) {
                continue;
            }
            assertThat(known).as("environment variable of an executor option").contains(name);
            env.put(name, variable.containsKey("value") ? String.valueOf(variable.get("value"))
                    : "execq-executor-5d9c7b6f4-x2x7q");
        }
        return env;
    }

    /** The ConfigMap entry mounted at {@code path} in the container, written to {@code dir}. */
    private static Path mountedFile(String path, Path dir) throws Exception {
        for (Map<String, Object> mount : OpsFiles.<List<Map<String, Object>>>at(container, "volumeMounts")) {
            String prefix = mount.get("mountPath") + "/";
            if (!path.startsWith(prefix)) {
                continue;
            }
            Map<String, Object> volume = OpsFiles.<List<Map<String, Object>>>at(deployment, "spec", "template",
                    "spec", "volumes").stream().filter(v -> v.get("name").equals(mount.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
            Map<String, Object> configMap = one("ConfigMap");
            assertThat(at(volume, "configMap", "name").toString()).isEqualTo(name(configMap));
            String key = path.substring(prefix.length());
            Map<String, String> data = at(configMap, "data");
            assertThat(data).as(path + " is an entry of the ConfigMap").containsKey(key);
            return Files.writeString(dir.resolve(key), data.get(key));
        }
        throw new AssertionError(path + " is on no volume mount of the executor container");
    }

    /** A probe's or Service's port: a number, or the name of one of the container's ports. */
    private static int containerPort(Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return OpsFiles.<List<Map<String, Object>>>at(container, "ports").stream()
                .filter(p -> port.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort")).findFirst()
                .orElseThrow(() -> new AssertionError("the container has no port named " + port));
    }

    private static Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
        assertThat(found).as("manifests of kind " + kind).hasSize(1);
        return found.get(0);
    }

    private static String name(Map<String, Object> manifest) {
        return at(manifest, "metadata", "name");
    }

    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
