package io.execq.executor;

import static io.execq.executor.config.Parsers.bool;
import static io.execq.executor.config.Parsers.dockerHost;
import static io.execq.executor.config.Parsers.durationIn;
import static io.execq.executor.config.Parsers.intIn;
import static io.execq.executor.config.Parsers.ipAddress;
import static io.execq.executor.config.Parsers.doubleIn;
import static io.execq.executor.config.Parsers.keyValue;
import static io.execq.executor.config.Parsers.milliCpusIn;
import static io.execq.executor.config.Parsers.oneOf;
import static io.execq.executor.config.Parsers.path;
import static io.execq.executor.config.Parsers.sizeIn;
import static io.execq.executor.config.Parsers.text;
import static io.execq.executor.config.Parsers.userPath;

import io.execq.executor.config.ConfigException;
import io.execq.executor.config.ConfigKey;
import io.execq.executor.config.ConfigSources;
import io.execq.executor.config.LogFormat;
import io.execq.executor.config.NetworkAllowance;
import io.execq.executor.kafka.EmbeddedKafkaMode;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.pipeline.RuntimeImages;
import io.execq.executor.pipeline.SchedulingPolicy;
import io.execq.executor.sandbox.FallbackPolicy;
import io.execq.executor.sandbox.docker.DockerTls;
import io.execq.executor.sandbox.docker.ImagePullPolicy;
import io.execq.executor.sandbox.docker.SeccompProfile;
import io.execq.executor.sandbox.docker.SeccompProfiles;
import io.execq.schema.EffectiveLimits;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Function;

/**
 * Everything an executor instance is configured with: immutable, validated when built, each option defined once as a
 * {@link ConfigKey} (flag {@code --name}, environment variable {@code EXECQ_NAME}, properties-file key {@code name}, in
 * that precedence). Kafka client properties pass through untouched ({@code --kafka-property k=v}, {@code
 * --kafka-config file}) so TLS and SASL need no code.
 */
public final class ExecutorConfig {

    private static final List<ConfigKey<?>> KEYS = new ArrayList<>();

    public static final ConfigKey<Path> CONFIG_FILE = key("config", null, false, path(),
            "Properties file with any of these options (key = option name without --).");
    public static final ConfigKey<String> BOOTSTRAP_SERVERS = key("bootstrap-servers", "127.0.0.1:9092", false, text(),
            "Kafka bootstrap servers.");
    public static final ConfigKey<EmbeddedKafkaMode> EMBEDDED_KAFKA = key("embedded-kafka", "auto", false,
            oneOf(EmbeddedKafkaMode.class),
            "auto: start an embedded broker when nothing answers at a loopback bootstrap address; always; never.");
    public static final ConfigKey<Path> EMBEDDED_KAFKA_DIR = key("embedded-kafka-dir",
            System.getProperty("user.home") + "/.execq/embedded-kafka", false, path(),
            "Data directory of the embedded broker.");
    public static final ConfigKey<Map.Entry<String, String>> KAFKA_PROPERTY = key("kafka-property", null, true,
            keyValue(), "Kafka client property k=v for every client (repeatable), e.g. security.protocol=SSL.");
    public static final ConfigKey<Path> KAFKA_CONFIG = key("kafka-config", null, false, path(),
            "Properties file of Kafka client properties (TLS/SASL settings).");
    public static final ConfigKey<String> GROUP_ID = key("group-id", "execq-executors", false, text(),
            "Consumer group shared by all executors.");
    public static final ConfigKey<String> EXECUTOR_ID = key("executor-id", null, false, text(),
            "This instance's id (labels, transactional id, results). Default: executor-<random>.");
    public static final ConfigKey<String> REQUESTS_TOPIC = key("requests-topic",
            TopicSettings.DEFAULT_REQUESTS_TOPIC, false, text(), "Topic of execution requests.");
    public static final ConfigKey<String> RESULTS_TOPIC = key("results-topic",
            TopicSettings.DEFAULT_RESULTS_TOPIC, false, text(), "Topic of execution results.");
    public static final ConfigKey<String> DEAD_LETTER_TOPIC = key("dead-letter-topic",
            TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, false, text(), "Dead-letter topic.");
    public static final ConfigKey<String> CONTROL_TOPIC = key("control-topic",
            TopicSettings.DEFAULT_CONTROL_TOPIC, false, text(),
            "Topic of cancellations (execq cancel), read whole by every executor.");
    public static final ConfigKey<Duration> CANCEL_WINDOW = key("cancel-window", "1h", false,
            durationIn(Duration.ofMinutes(1), Duration.ofDays(7)), "How long a cancellation applies after it was "
                    + "published (a request fetched later is still cancelled); the control topic's retention when "
                    + "this executor creates it, and how far back a starting executor reads it.");
    public static final ConfigKey<String> OUTPUT_TOPIC = key("output-topic",
            TopicSettings.DEFAULT_OUTPUT_TOPIC, false, text(),
            "Topic of streamed output chunks (requests with streamOutput, execq submit --follow).");
    public static final ConfigKey<Integer> REQUEST_PARTITIONS = key("request-partitions",
            Integer.toString(TopicSettings.DEFAULT_REQUEST_PARTITIONS), false, intIn(1, 10_000),
            "Partitions of the requests topic when this executor creates it.");
    public static final ConfigKey<Integer> CONCURRENCY = key("concurrency", "4", false, intIn(1, 1024),
            "Most runs at once on this executor (bulkhead).");
    public static final ConfigKey<Integer> MAX_IN_FLIGHT_PER_PARTITION = key("max-in-flight-per-partition", "0", false,
            intIn(0, 1024), "Most runs of one request partition at once (0: as many as --concurrency); they complete "
                    + "in any order and each still gets exactly one visible result.");
    public static final ConfigKey<SchedulingPolicy.Ordering> ORDERING = key("ordering", "unordered", false,
            oneOf(SchedulingPolicy.Ordering.class), "unordered: records of a partition run concurrently; partition: "
                    + "strictly one at a time per partition, in offset order.");
    public static final ConfigKey<String> FAIR_SHARE_LABEL = key("fair-share-label", null, false, text(),
            "Request label (e.g. tenant) whose value with the fewest runs in flight starts first.");
    public static final ConfigKey<Double> RATE = key("rate", "1000", false, doubleIn(0.01, 100_000),
            "Most runs started per second on this executor (rate limiter); lower it to protect a shared Docker "
                    + "daemon or host from bursts.");
    public static final ConfigKey<FallbackPolicy> FALLBACK = key("fallback", "process", false,
            oneOf(FallbackPolicy.class), "process: run PREFER_CONTAINER and PROCESS requests as host processes; "
                    + "none: never run outside a container.");
    public static final ConfigKey<String> DOCKER_HOST = key(new ConfigKey<>("docker-host",
            "Docker daemon address; without the flag or EXECQ_DOCKER_HOST, DOCKER_HOST as the Docker CLI reads it.",
            "unix:///var/run/docker.sock", false, dockerHost()).withConventionalEnv("DOCKER_HOST"));
    public static final ConfigKey<Boolean> DOCKER_TLS_VERIFY = key(new ConfigKey<>("docker-tls-verify",
            "Speak TLS to a tcp:// Docker daemon as the Docker CLI does (also DOCKER_TLS_VERIFY): its certificate "
                    + "must chain to ca.pem and name the host; cert.pem/key.pem are presented (see --docker-cert-path).",
            "false", false, bool()).withConventionalEnv("DOCKER_TLS_VERIFY"));
    public static final ConfigKey<Path> DOCKER_CERT_PATH = key(new ConfigKey<>("docker-cert-path",
            "Directory of ca.pem, cert.pem and key.pem for --docker-tls-verify (also DOCKER_CERT_PATH).",
            "~/.docker", false, userPath()).withConventionalEnv("DOCKER_CERT_PATH"));
    public static final ConfigKey<NetworkAllowance> ALLOW_NETWORK = key("allow-network", "none", false,
            oneOf(NetworkAllowance.class), "none: every run has loopback only, a request asking for network BRIDGE is "
                    + "REJECTED; bridge: such a request runs in a container on Docker's bridge network (egress), never "
                    + "on the process fallback, and its result's protections lack NETWORK_ISOLATED.");
    public static final ConfigKey<LogFormat> LOG_FORMAT = key("log-format", "text", false, oneOf(LogFormat.class),
            "text: one line per event on stderr; json: one JSON object per line, for log shippers.");
    public static final ConfigKey<Path> DEADLINE_HELPER = key("deadline-helper", "/bin/busybox", false, path(),
            "Static busybox (Debian's busybox-static) mounted read-only into every container, which then stops "
                    + "itself at its timeout + 10 s even if this executor dies; missing or not static: a warning, and "
                    + "no such deadline.");
    public static final ConfigKey<ImagePullPolicy> IMAGE_PULL = key("image-pull", "missing", false,
            oneOf(ImagePullPolicy.class), "missing: pull images that are not present; never.");
    public static final ConfigKey<Duration> IMAGE_PULL_TIMEOUT = key("image-pull-timeout", "5m", false,
            durationIn(Duration.ofSeconds(1), Duration.ofHours(2)), "Longest a pull of a missing image may take.");
    public static final ConfigKey<String> PRE_PULL = key("pre-pull", null, true, text(),
            "Images to make present at start-up (repeat the flag; comma-separated in EXECQ_* and the config file), "
                    + "so first requests do not wait "
                    + "for a pull; failures are logged and the executor still starts.");
    public static final ConfigKey<Integer> WARM_POOL = key("warm-pool", "0", false, intIn(0, 64),
            "Started single-use containers kept ready per --warm-pool-image for runs with the default limits and no "
                    + "files, so they skip container create and start (0: off).");
    public static final ConfigKey<String> WARM_POOL_IMAGE = key("warm-pool-image", null, true, text(),
            "Images the warm pool keeps containers of (repeat the flag; comma-separated in EXECQ_* and the config "
                    + "file; default: --default-image).");
    public static final ConfigKey<SeccompProfile> SECCOMP_PROFILE = key("seccomp-profile", null, false,
            file -> SeccompProfiles.fromFile(path().apply(file)),
            "Seccomp profile file (Docker's JSON format) for Docker runs instead of execq's own (Docker's default "
                    + "minus io_uring, AF_VSOCK/AF_ALG sockets, keyrings, userfaultfd, perf_event_open, bpf and "
                    + "new namespaces); checked at start-up.");
    public static final ConfigKey<String> DOCKER_RUNTIME = key("docker-runtime", null, false, text(),
            "OCI runtime of Docker runs and warm-pool containers, e.g. runsc (gVisor), as registered with dockerd "
                    + "(checked at start-up; default: dockerd's default runtime, runc).");
    public static final ConfigKey<String> DEFAULT_IMAGE = key("default-image", "execq/busybox:latest", false, text(),
            "Image for requests that name none.");
    public static final ConfigKey<String> ALLOWED_IMAGES = key("allowed-images", "execq/*", true, text(),
            "Glob(s) of images requests may use (repeat the flag; comma-separated in EXECQ_* and the config file; "
                    + "* matches any run of characters).");
    public static final ConfigKey<Map.Entry<String, String>> IMAGE_ALIAS = key("image-alias", null, true, keyValue(),
            "Runtime names producers may use instead of an image, name=image (repeatable), added to the default "
                    + "table (" + RuntimeImages.describeDefaults() + "); a name given here wins. An alias grants "
                    + "nothing: its image must pass --allowed-images.");
    public static final ConfigKey<Duration> DEFAULT_TIMEOUT = key("default-timeout", "30s", false,
            durationIn(Duration.ofMillis(100), Duration.ofDays(1)), "Timeout of requests that set none.");
    public static final ConfigKey<Duration> MAX_TIMEOUT = key("max-timeout", "10m", false,
            durationIn(Duration.ofMillis(100), Duration.ofDays(1)), "Largest timeout a request gets.");
    public static final ConfigKey<Long> DEFAULT_MEMORY = key("default-memory", "256m", false,
            sizeIn(4L << 20, 1L << 40), "Memory limit of requests that set none.");
    public static final ConfigKey<Long> MAX_MEMORY = key("max-memory", "2g", false, sizeIn(4L << 20, 1L << 40),
            "Largest memory limit a request gets.");
    public static final ConfigKey<Integer> DEFAULT_CPUS = key("default-cpus", "1", false, milliCpusIn(10, 256_000),
            "CPU quota of requests that set none (0.5, 2, 500m).");
    public static final ConfigKey<Integer> MAX_CPUS = key("max-cpus", "4", false, milliCpusIn(10, 256_000),
            "Largest CPU quota a request gets.");
    public static final ConfigKey<Integer> DEFAULT_PIDS = key("default-pids", "128", false, intIn(1, 1 << 20),
            "Process limit of requests that set none.");
    public static final ConfigKey<Integer> MAX_PIDS = key("max-pids", "1024", false, intIn(1, 1 << 20),
            "Largest process limit a request gets.");
    public static final ConfigKey<Long> DEFAULT_MAX_OUTPUT = key("default-max-output", "1m", false,
            sizeIn(0, 4L << 20), "Bytes kept per output stream for requests that set none.");
    public static final ConfigKey<Long> MAX_OUTPUT = key("max-output", "4m", false, sizeIn(0, 4L << 20),
            "Most bytes kept per output stream (at most 4m, so that a result fits a Kafka record).");
    public static final ConfigKey<Long> MAX_STREAM_BYTES = key("max-stream-bytes", null, false,
            sizeIn(0, 1L << 40), "Most bytes of output streamed per run (streamOutput); the rest is counted as "
                    + "dropped. Default: --max-output.");
    public static final ConfigKey<Long> MAX_STREAM_RATE = key("max-stream-rate", "256k", false,
            sizeIn(1024, 1L << 30), "Most bytes per second of output streamed per run (bursts of one second's "
                    + "worth); the rest is counted as dropped.");
    public static final ConfigKey<Long> MAX_WORKSPACE = key("max-workspace", "512m", false,
            sizeIn(1L << 20, 1L << 40), "Most bytes a run may write into its workspace; writes past it fail with "
                    + "ENOSPC (Docker: a tmpfs of this size whose pages count against the run's memory limit; process "
                    + "fallback: the same where it has a memory cgroup). Operator-wide: requests cannot change it.");
    public static final ConfigKey<Integer> MAX_ARCHIVE_ENTRIES = key("max-archive-entries", "10000", false,
            intIn(1, 1_000_000), "Most entries (files and directories) of a request's workspace archive.");
    public static final ConfigKey<Long> MAX_ARCHIVE_BYTES = key("max-archive-bytes", "512m", false,
            sizeIn(0, 1L << 40), "Most bytes a workspace archive may expand to, counted while it is decompressed "
                    + "(a gzip bomb is refused without being inflated); the archive must also fit the run's workspace.");
    public static final ConfigKey<Long> MAX_ARTIFACTS = key("max-artifacts", "1m", false, sizeIn(0, 4L << 20),
            "Most bytes of artifact content (--collect) in one result (at most 4m, so that a result fits a Kafka "
                    + "record next to its capped output).");
    public static final ConfigKey<Integer> MAX_ARTIFACT_FILES = key("max-artifact-files", "100", false,
            intIn(0, 10_000), "Most artifact files listed in one result.");
    public static final ConfigKey<Long> MAX_REQUEST_SIZE = key("max-request-size", "8m", false,
            sizeIn(1L << 10, TopicSettings.DEFAULT_MAX_MESSAGE_BYTES), "Largest request record accepted.");
    public static final ConfigKey<Duration> SHUTDOWN_GRACE = key("shutdown-grace", "30s", false,
            durationIn(Duration.ZERO, Duration.ofHours(1)),
            "How long in-flight runs may finish on SIGTERM before they are killed and left for another member.");
    public static final ConfigKey<InetAddress> HTTP_HOST = key("http-host", "127.0.0.1", false, ipAddress(),
            "Address /health/live, /health/ready and /metrics listen on; 0.0.0.0 where probes or Prometheus reach "
                    + "the executor from outside its host (a container, a pod).");
    public static final ConfigKey<Integer> HTTP_PORT = key("http-port", "9400", false, intIn(0, 65_535),
            "Port of /health/live, /health/ready and /metrics on --http-host (0 picks a free one).");
    public static final ConfigKey<Integer> INFRA_RETRIES = key("infra-retries", "3", false, intIn(0, 100),
            "Retries of a run that hit an infrastructure fault before it gets an ERROR result.");
    public static final ConfigKey<Duration> RETRY_BACKOFF = key("retry-backoff", "1s", false,
            durationIn(Duration.ZERO, Duration.ofMinutes(10)), "First wait between those retries (doubles).");

    private final Map<ConfigKey<?>, Object> values;
    private final Map<String, String> kafkaProperties;
    private final Map<String, String> imageAliases;
    private final List<String> allowedImages;
    private final List<String> prePullImages;
    private final List<String> warmPoolImages;
    private final String executorId;

    private ExecutorConfig(ConfigSources sources) {
        Map<ConfigKey<?>, Object> parsed = new LinkedHashMap<>();
        for (ConfigKey<?> key : KEYS) {
            if (!key.multiValued() && !sources.raw(key).isEmpty()) {
                parsed.put(key, sources.get(key));
            }
        }
        this.values = parsed;
        this.kafkaProperties = kafkaProperties(sources);
        this.imageAliases = RuntimeImages.withDefaults(toMap(sources.getAll(IMAGE_ALIAS)));
        this.allowedImages = sources.getAll(ALLOWED_IMAGES);
        this.prePullImages = sources.getAll(PRE_PULL);
        List<String> poolImages = sources.getAll(WARM_POOL_IMAGE);
        this.warmPoolImages = poolImages.isEmpty() ? List.of(get(DEFAULT_IMAGE)) : poolImages;
        this.executorId = parsed.containsKey(EXECUTOR_ID) ? (String) parsed.get(EXECUTOR_ID)
                : "executor-" + UUID.randomUUID().toString().substring(0, 8);
        validateRelations();
    }

    /** Reads flags, then the environment, then the {@code --config} file, then defaults. */
    public static ExecutorConfig from(Map<String, List<String>> flags, Map<String, String> env) {
        ConfigSources withoutFile = new ConfigSources(flags, env, new Properties());
        List<String> file = withoutFile.raw(CONFIG_FILE);
        Properties properties = file.isEmpty() ? new Properties()
                : ConfigSources.readPropertiesFile(CONFIG_FILE.parse(file.get(0)));
        return new ExecutorConfig(new ConfigSources(flags, env, properties));
    }

    /** For tests and embedding: single values by option name, nothing from the environment. */
    public static ExecutorConfig of(Map<String, String> settings) {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        settings.forEach((k, v) -> flags.put(k, List.of(v)));
        for (String name : flags.keySet()) {
            if (KEYS.stream().noneMatch(key -> key.name().equals(name))) {
                throw new ConfigException("Unknown option --" + name);
            }
        }
        return from(flags, Map.of());
    }

    /** Every option, in documentation order. */
    public static List<ConfigKey<?>> keys() {
        return List.copyOf(KEYS);
    }

    public <T> T get(ConfigKey<T> key) {
        @SuppressWarnings("unchecked")
        T value = (T) values.get(key);
        return value;
    }

    /** The bounds of streamed output: --max-stream-bytes (default --max-output) and --max-stream-rate. */
    public io.execq.executor.output.StreamBounds streamBounds() {
        Long total = get(MAX_STREAM_BYTES);
        return io.execq.executor.output.StreamBounds.of(total == null ? get(MAX_OUTPUT) : total,
                get(MAX_STREAM_RATE));
    }

    public String executorId() {
        return executorId;
    }

    public String bootstrapServers() {
        return get(BOOTSTRAP_SERVERS);
    }

    /** Kafka client properties from {@code --kafka-config} overlaid with {@code --kafka-property}. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    public Map<String, String> imageAliases() {
        return imageAliases;
    }

    public List<String> allowedImages() {
        return allowedImages;
    }

    /** Images to make present at start-up ({@code --pre-pull}); empty by default. */
    public List<String> prePullImages() {
        return prePullImages;
    }

    /** Images the warm pool keeps containers of ({@code --warm-pool-image}); the default image by default. */
    public List<String> warmPoolImages() {
        return warmPoolImages;
    }

    public TopicSettings topicSettings(short replicationFactor) {
        return new TopicSettings(get(REQUESTS_TOPIC), get(RESULTS_TOPIC), get(DEAD_LETTER_TOPIC),
                get(REQUEST_PARTITIONS), TopicSettings.DEFAULT_RESULT_PARTITIONS, replicationFactor,
                TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, TopicSettings.DEFAULT_RETENTION);
    }

    /** How records are ordered and slots shared ({@code --ordering}, window, {@code --fair-share-label}). */
    public SchedulingPolicy schedulingPolicy() {
        int window = get(MAX_IN_FLIGHT_PER_PARTITION);
        return new SchedulingPolicy(get(ORDERING), window == 0 ? get(CONCURRENCY) : window,
                java.util.Optional.ofNullable(get(FAIR_SHARE_LABEL)));
    }

    /** What workspace archives may hold and how many artifacts a result carries. */
    public io.execq.executor.pipeline.WorkspacePolicy workspacePolicy() {
        return new io.execq.executor.pipeline.WorkspacePolicy(
                new io.execq.executor.sandbox.ArchiveLimits(get(MAX_ARCHIVE_ENTRIES), get(MAX_ARCHIVE_BYTES)),
                get(MAX_WORKSPACE), get(MAX_ARTIFACT_FILES), get(MAX_ARTIFACTS));
    }

    /**
     * The directory of the Docker client's TLS files when the daemon is to be spoken to over TLS: {@code tcp://}
     * with {@link #DOCKER_TLS_VERIFY}. A unix socket never uses TLS, as with the Docker CLI.
     */
    public Optional<Path> dockerTlsCertPath() {
        return get(DOCKER_TLS_VERIFY) && get(DOCKER_HOST).startsWith("tcp://")
                ? Optional.of(get(DOCKER_CERT_PATH))
                : Optional.empty();
    }

    /** Limits of a request that sets none. */
    public EffectiveLimits defaultLimits() {
        return new EffectiveLimits(get(DEFAULT_TIMEOUT).toMillis(), get(DEFAULT_MEMORY), get(DEFAULT_CPUS),
                get(DEFAULT_PIDS), get(DEFAULT_MAX_OUTPUT));
    }

    /** The operator's ceilings; requested limits are clamped to these. */
    public EffectiveLimits maxLimits() {
        return new EffectiveLimits(get(MAX_TIMEOUT).toMillis(), get(MAX_MEMORY), get(MAX_CPUS), get(MAX_PIDS),
                get(MAX_OUTPUT));
    }

    private void validateRelations() {
        requireAtMost(DEFAULT_TIMEOUT, get(DEFAULT_TIMEOUT), MAX_TIMEOUT, get(MAX_TIMEOUT));
        requireAtMost(DEFAULT_MEMORY, get(DEFAULT_MEMORY), MAX_MEMORY, get(MAX_MEMORY));
        requireAtMost(DEFAULT_CPUS, get(DEFAULT_CPUS), MAX_CPUS, get(MAX_CPUS));
        requireAtMost(DEFAULT_PIDS, get(DEFAULT_PIDS), MAX_PIDS, get(MAX_PIDS));
        requireAtMost(DEFAULT_MAX_OUTPUT, get(DEFAULT_MAX_OUTPUT), MAX_OUTPUT, get(MAX_OUTPUT));
        if (allowedImages.isEmpty()) {
            throw new ConfigException(ALLOWED_IMAGES.flag() + " must allow at least one image");
        }
        if (dockerTlsCertPath().isPresent()) {
            try {
                DockerTls.requireFiles(get(DOCKER_CERT_PATH));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("TLS to the Docker daemon at " + get(DOCKER_HOST) + " ("
                        + DOCKER_TLS_VERIFY.flag() + " or DOCKER_TLS_VERIFY) needs its certificates from "
                        + DOCKER_CERT_PATH.flag() + " (or DOCKER_CERT_PATH): " + e.getMessage());
            }
        }
    }

    private static <T extends Comparable<T>> void requireAtMost(ConfigKey<T> lowKey, T low, ConfigKey<T> highKey,
                                                                T high) {
        if (low.compareTo(high) > 0) {
            throw new ConfigException(lowKey.flag() + " (" + low + ") must not exceed " + highKey.flag() + " ("
                    + high + ")");
        }
    }

    private static Map<String, String> kafkaProperties(ConfigSources sources) {
        Map<String, String> merged = new LinkedHashMap<>();
        List<String> file = sources.raw(KAFKA_CONFIG);
        if (!file.isEmpty()) {
            ConfigSources.readPropertiesFile(KAFKA_CONFIG.parse(file.get(0)))
                    .forEach((k, v) -> merged.put(k.toString(), v.toString()));
        }
        merged.putAll(toMap(sources.getAll(KAFKA_PROPERTY)));
        return Map.copyOf(merged);
    }

    private static Map<String, String> toMap(List<Map.Entry<String, String>> entries) {
        Map<String, String> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.getKey(), e.getValue()));
        return Map.copyOf(map);
    }

    private static <T> ConfigKey<T> key(String name, String defaultValue, boolean multiValued,
                                        Function<String, T> parser, String doc) {
        return key(new ConfigKey<>(name, doc, defaultValue, multiValued, parser));
    }

    private static <T> ConfigKey<T> key(ConfigKey<T> key) {
        KEYS.add(key);
        return key;
    }
}
