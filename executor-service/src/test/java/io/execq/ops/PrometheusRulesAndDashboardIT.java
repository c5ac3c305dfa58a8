package io.execq.ops;

import static io.execq.ops.OpsFiles.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.executor.ExecutorInstance;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import io.execq.testing.ExecqTopics;
import io.execq.testing.MetricsScrape;
import io.execq.testing.PrometheusServer;
import io.execq.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code ops/prometheus/} and {@code ops/grafana/execq.json} against a real Prometheus (Debian's package) scraping
 * live executors on loopback every second: {@code promtool} accepts the rules and the config, Prometheus loads the
 * rules, and every expression of the rules and of the dashboard returns data.
 *
 * <p>The test creates the conditions most alerts are about, so that their expressions (thresholds included) are true
 * and Prometheus holds them pending: undecodable records (dead letters), a Docker host that does not exist (Docker
 * down; runs use the process fallback), a second executor with {@code --fallback none} (not ready) and a scrape
 * target where nothing listens (down). Two need more than a test's minute: {@code ExecqBulkheadSaturated} averages
 * over 15 minutes, so it is evaluated with its windows shortened to {@value #SHORT_WINDOW} (thresholds kept) while a
 * busy executor with {@code --concurrency 1} works through a backlog; {@code ExecqConsumerLag} fires above 1000
 * requests, so its expression is evaluated without the threshold and must have seen the backlog (at least half of
 * the requests). Grafana is not packaged in Debian; its variables are given concrete values
 * ({@code $__rate_interval} = {@value #RATE_INTERVAL}, {@code $instance} = all).
 */
class PrometheusRulesAndDashboardIT {

    private static final Path PROMETHEUS_DIR = OpsFiles.OPS.resolve("prometheus");
    private static final Path RULES = PROMETHEUS_DIR.resolve("execq-rules.yml");
    private static final Path DASHBOARD = OpsFiles.OPS.resolve("grafana/execq.json");
    private static final Path OPERATIONS_DOC = Path.of("..", "docs", "operations.md");
    private static final String JOB = "execq-executors";
    private static final String RATE_INTERVAL = "10s";
    private static final String SHORT_WINDOW = "5s";
    private static final int REQUESTS = 160;
    private static final int UNDECODABLE = 20;
    /** Alerts whose condition this test creates: Prometheus must hold them pending (or firing). */
    private static final Set<String> CONDITIONS_CREATED = Set.of("ExecqExecutorDown", "ExecqExecutorNotReady",
            "ExecqDockerDown", "ExecqDeadLetterRate");
    /** Alerts whose windows outlast the test: their expression is run with the windows shortened. */
    private static final Set<String> WINDOWS_SHORTENED = Set.of("ExecqBulkheadSaturated");
    /** Alerts whose threshold the test does not reach: their expression is run without it. */
    private static final Set<String> THRESHOLD_DROPPED = Set.of("ExecqConsumerLag");

    @Test
    void everyRuleAndDashboardExpressionReturnsDataFromLiveExecutors(@TempDir Path dir) throws Exception {
        PrometheusServer.requireBinaries();
        List<Map<String, Object>> rules = at(OpsFiles.yaml(RULES).get(0), "groups", 0, "rules");
        assertThat(rules).extracting(r -> (String) r.get("alert"))
                .as("every alert is either created by this test or evaluated with shorter windows")
                .hasSameElementsAs(union(CONDITIONS_CREATED, WINDOWS_SHORTENED, THRESHOLD_DROPPED));
        assertPromtoolAccepts(rules.size());

        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics busyTopics = ExecqTopics.create(bootstrap, 1);
        ExecqTopics idleTopics = ExecqTopics.create(bootstrap, 1);
        String noDocker = "unix://" + dir.resolve("no-docker.sock");
        try (ExecutorInstance busy = ExecutorInstance.start(busyTopics.executorConfig(Map.of("docker-host", noDocker,
                "fallback", "process", "concurrency", "1", "executor-id", "prometheus-busy")));
             ExecutorInstance notReady = ExecutorInstance.start(idleTopics.executorConfig(Map.of(
                     "docker-host", noDocker, "fallback", "none", "executor-id", "prometheus-not-ready")))) {
            String busyTarget = "127.0.0.1:" + busy.httpPort();
            Path config = scrapeConfig(dir, List.of(busyTarget, "127.0.0.1:" + notReady.httpPort(),
                    "127.0.0.1:" + PrometheusServer.freePort()));
            assertThat(PrometheusServer.promtool("check", "config", config.toString()).exitCode()).isZero();
            Instant start = Instant.now();
            try (PrometheusServer prometheus = PrometheusServer.start(config)) {
                load(bootstrap, busyTopics);
                // Every result published, and Prometheus has scraped the last of them.
                await().atMost(Duration.ofSeconds(120)).until(() -> lastValue(prometheus.queryRange(
                        "sum(execq_results_total{instance=\"" + busyTarget + "\"})", start)) == REQUESTS);
                await().atMost(Duration.ofSeconds(30)).until(() -> lastValue(prometheus.queryRange(
                        "execq_dead_letters_total{reason=\"UNDECODABLE\", instance=\"" + busyTarget + "\"}", start))
                        == UNDECODABLE);
                // Rules are evaluated every second: one more round sees the last scrape.
                Thread.sleep(2_000);

                assertRulesLoadedAndHealthy(prometheus, rules.size());
                for (Map<String, Object> rule : rules) {
                    String alert = (String) rule.get("alert");
                    String expr = (String) rule.get("expr");
                    if (CONDITIONS_CREATED.contains(alert)) {
                        assertReturnsData(prometheus, start, alert, expr);
                        assertReturnsData(prometheus, start, alert + " in ALERTS",
                                "ALERTS{alertname=\"" + alert + "\"}");
                    } else if (WINDOWS_SHORTENED.contains(alert)) {
                        assertReturnsData(prometheus, start, alert + " (windows " + SHORT_WINDOW + ")",
                                expr.replaceAll("\\[\\d+[smh]]", "[" + SHORT_WINDOW + "]"));
                    } else {
                        String withoutThreshold = expr.replaceFirst("\\s*(>|<|==|>=|<=)\\s*[0-9.]+\\s*$", "");
                        assertThat(withoutThreshold).isNotEqualTo(expr);
                        assertThat(maxValue(prometheus.queryRange(withoutThreshold, start)))
                                .as(alert + " without its threshold: " + withoutThreshold)
                                .isGreaterThanOrEqualTo(REQUESTS / 2.0);
                    }
                }
                for (Map.Entry<String, String> query : dashboardQueries().entrySet()) {
                    assertReturnsData(prometheus, start, query.getKey(), query.getValue());
                }
                assertDocumentedMetricsAreExactlyTheExportedOnes(MetricsScrape.text(busy.httpPort()));
                for (Map.Entry<String, String> variable : dashboardVariables().entrySet()) {
                    JsonNode result = prometheus.queryRange(variable.getKey(), start);
                    assertThat(result).as("variable query " + variable.getKey()).isNotEmpty();
                    assertThat(result.get(0).path("metric").has(variable.getValue())).isTrue();
                }
            }
        }
    }

    /**
     * docs/operations.md names every execq and resilience4j metric family a live executor exports, and each it names
     * is exported (the warm pool's only with --warm-pool, which needs Docker: DockerSandboxWarmPoolIT has them).
     */
    private static void assertDocumentedMetricsAreExactlyTheExportedOnes(String scrape) throws Exception {
        Set<String> exported = new java.util.HashSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE ((?:execq|resilience4j)_\\w+) ").matcher(scrape);
        while (type.find()) {
            exported.add(type.group(1));
        }
        exported.removeIf(name -> name.endsWith("_max") && exported.contains(name.substring(0, name.length() - 4)));
        Set<String> documented = new java.util.HashSet<>();
        Matcher named = Pattern.compile("(?<![\\w.])((?:execq|resilience4j)_[a-z0-9_]*[a-z0-9])")
                .matcher(Files.readString(OPERATIONS_DOC));
        while (named.find()) {
            documented.add(named.group(1));
        }
        documented.removeAll(Set.of("execq_warm_pool_idle", "execq_warm_pool_hits_total",
                "execq_warm_pool_misses_total"));

        assertThat(exported).as("exported metric families").hasSizeGreaterThan(15);
        assertThat(documented).as("metrics named in " + OPERATIONS_DOC).containsAll(exported);
        assertThat(exported).as("metric families a live executor exports").containsAll(documented);
    }

    private static void assertPromtoolAccepts(int ruleCount) throws Exception {
        PrometheusServer.ToolResult rules = PrometheusServer.promtool("check", "rules", RULES.toString());
        assertThat(rules.exitCode()).as(rules.output()).isZero();
        assertThat(rules.output()).contains("SUCCESS: " + ruleCount + " rules found");
        PrometheusServer.ToolResult config = PrometheusServer.promtool("check", "config",
                PROMETHEUS_DIR.resolve("prometheus.yml").toString());
        assertThat(config.exitCode()).as(config.output()).isZero();
    }

    /**
     * {@code ops/prometheus/prometheus.yml} as shipped, scraping {@code targets} every second, evaluating rules every
     * second, with the rule file's absolute path.
     */
    private static Path scrapeConfig(Path dir, List<String> targets) throws Exception {
        Map<String, Object> config = OpsFiles.yaml(PROMETHEUS_DIR.resolve("prometheus.yml")).get(0);
        Map<String, Object> global = at(config, "global");
        global.put("scrape_interval", "1s");
        global.put("evaluation_interval", "1s");
        config.put("rule_files", List.of(RULES.toAbsolutePath().normalize().toString()));
        Map<String, Object> job = at(config, "scrape_configs", 0);
        assertThat(job.get("job_name")).isEqualTo(JOB);
        Map<String, Object> staticConfig = at(job, "static_configs", 0);
        staticConfig.put("targets", targets);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return Files.writeString(dir.resolve("prometheus.yml"), new Yaml(options).dump(config));
    }

    /** {@value #REQUESTS} requests (every tenth fails) at once, then {@value #UNDECODABLE} undecodable records. */
    private static void load(String bootstrap, ExecqTopics topics) throws Exception {
        List<CompletableFuture<String>> sent = new ArrayList<>();
        try (ExecutionClient client = ExecutionClient.builder().bootstrapServers(bootstrap)
                .requestsTopic(topics.requests()).resultsTopic(topics.results()).build()) {
            for (int i = 0; i < REQUESTS; i++) {
                String script = i % 10 == 0 ? "exit 3" : "sleep 0.05";
                sent.add(client.submit(ExecutionRequests.command("sh", "-c", script).build()));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
        }
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < UNDECODABLE; i++) {
                raw.send(new ProducerRecord<>(topics.requests(), "garbage-" + i,
                        "not an execq request".getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private static void assertRulesLoadedAndHealthy(PrometheusServer prometheus, int ruleCount) throws Exception {
        List<JsonNode> loaded = new ArrayList<>();
        prometheus.rules().forEach(group -> group.path("rules").forEach(loaded::add));
        assertThat(loaded).hasSize(ruleCount);
        for (JsonNode rule : loaded) {
            assertThat(rule.path("health").asText()).as(rule.path("name").asText() + ": " + rule.path("lastError"))
                    .isEqualTo("ok");
        }
    }

    private static double maxValue(JsonNode result) {
        double max = Double.NaN;
        for (JsonNode series : result) {
            for (JsonNode point : series.path("values")) {
                double value = Double.parseDouble(point.get(1).asText());
                max = Double.isNaN(max) ? value : Math.max(max, value);
            }
        }
        return max;
    }

    private static double lastValue(JsonNode result) {
        if (result.isEmpty()) {
            return Double.NaN;
        }
        JsonNode values = result.get(0).path("values");
        return Double.parseDouble(values.get(values.size() - 1).get(1).asText());
    }

    /** The query returned at least one series with at least one finite value since {@code start}. */
    private static void assertReturnsData(PrometheusServer prometheus, Instant start, String what, String query)
            throws Exception {
        JsonNode result = prometheus.queryRange(query, start);
        boolean finite = false;
        for (JsonNode series : result) {
            for (JsonNode point : series.path("values")) {
                double value = Double.parseDouble(point.get(1).asText().replace("+Inf", "Infinity")
                        .replace("-Inf", "-Infinity"));
                finite |= Double.isFinite(value);
            }
        }
        assertThat(finite).as("%s returns data: %s%nresult: %s%nPrometheus log:%n%s", what, query, result,
                prometheus.log()).isTrue();
    }

    /** Every panel target of the dashboard, by "panel title / refId", with Grafana's variables filled in. */
    private static Map<String, String> dashboardQueries() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.put(panel.path("title").asText() + " / " + target.path("refId").asText(),
                        withVariables(target.path("expr").asText()));
            }
        }
        assertThat(queries).as("dashboard queries").hasSizeGreaterThanOrEqualTo(12);
        return queries;
    }

    /** The dashboard's {@code label_values(expr, label)} variables as expression -> label. */
    private static Map<String, String> dashboardVariables() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
        Map<String, String> variables = new LinkedHashMap<>();
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!"query".equals(variable.path("type").asText())) {
                continue;
            }
            Matcher matcher = labelValues.matcher(variable.path("definition").asText());
            assertThat(matcher.matches()).as("variable " + variable.path("name")).isTrue();
            variables.put(withVariables(matcher.group(1)), matcher.group(2));
        }
        return variables;
    }

    private static String withVariables(String expr) {
        return expr.replace("$__rate_interval", RATE_INTERVAL).replace("$job", JOB).replace("$instance", ".+");
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new java.util.HashSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }
}
