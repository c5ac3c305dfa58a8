package io.execq.executor.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) running inside this JVM, for the
 * zero-setup default: {@code execq broker}, and {@code execq serve}/{@code execq demo} when nothing answers at the
 * bootstrap address.
 *
 * <p>Everything a single node needs to work is set here: replication factor 1 and min ISR 1 for the offsets,
 * transaction-state and share-coordinator-state topics (transactions and share groups hang silently otherwise), no
 * initial rebalance delay, and a message size that fits execq's largest records. The data directory survives
 * restarts: the cluster id and controller port are kept in its {@code server.properties}.
 *
 * <p>Listens on 127.0.0.1 only.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Largest record the broker accepts; matches {@link TopicSettings#DEFAULT_MAX_MESSAGE_BYTES}. */
    public static final int DEFAULT_MESSAGE_MAX_BYTES = TopicSettings.DEFAULT_MAX_MESSAGE_BYTES;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final String CONFIG_FILE = "server.properties";

    private final Path dataDir;
    private final int port;
    private final KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, int port, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.server = server;
    }

    /**
     * Formats {@code dataDir} if it is new, starts the broker and returns once it accepts connections.
     *
     * @param port the client port on 127.0.0.1; 0 picks a free one
     * @param overrides broker properties that replace the defaults (for tests and operators)
     * @throws IllegalStateException if the port is taken or the broker does not come up within {@code startTimeout}
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides, Duration startTimeout) {
        try {
            Files.createDirectories(dataDir);
            Properties props = brokerProperties(dataDir, port == 0 ? freePort() : requireFree(port), overrides);
            Path configFile = dataDir.resolve(CONFIG_FILE);
            try (Writer out = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
                props.store(out, "written by execq EmbeddedKafka; cluster.id is kept across restarts");
            }
            format(configFile, props.getProperty("execq.cluster.id"));

            int clientPort = Integer.parseInt(props.getProperty("execq.client.port"));
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, clientPort, server);
            kafka.awaitReady(startTimeout);
            LOG.info("Embedded Kafka broker listening on {} (data in {})", kafka.bootstrapServers(), dataDir);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the Kafka data directory " + dataDir, e);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Blocks until the broker stops (for {@code execq broker} in the foreground). */
    public void awaitShutdown() {
        server.awaitShutdown();
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka broker on port {} stopped", port);
    }

    static Properties brokerProperties(Path dataDir, int clientPort, Map<String, String> overrides)
            throws IOException {
        Properties previous = readPrevious(dataDir.resolve(CONFIG_FILE));
        String clusterId = previous.getProperty("execq.cluster.id", Uuid.randomUuid().toString());
        int controllerPort = reusableControllerPort(previous, clientPort);

        Map<String, String> p = new TreeMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        p.put("log.dirs", dataDir.resolve("kraft").toString());
        // A single node cannot replicate: every internal topic must accept replication factor 1.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "10");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "10");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("message.max.bytes", Integer.toString(DEFAULT_MESSAGE_MAX_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(DEFAULT_MESSAGE_MAX_BYTES));
        p.put("log.retention.hours", "168");
        p.putAll(overrides);

        Properties props = new Properties();
        props.putAll(p);
        // Our own bookkeeping keys; Kafka ignores unknown properties.
        props.setProperty("execq.cluster.id", clusterId);
        props.setProperty("execq.client.port", Integer.toString(clientPort));
        props.setProperty("execq.controller.port", Integer.toString(controllerPort));
        return props;
    }

    private static Properties readPrevious(Path configFile) throws IOException {
        Properties previous = new Properties();
        if (Files.exists(configFile)) {
            try (Reader in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                previous.load(in);
            }
        }
        return previous;
    }

    /** The quorum's voter record names the controller endpoint, so a restarted node keeps its port when it can. */
    private static int reusableControllerPort(Properties previous, int clientPort) throws IOException {
        String kept = previous.getProperty("execq.controller.port");
        if (kept != null) {
            int port = Integer.parseInt(kept);
            if (port != clientPort && portFree(port)) {
                return port;
            }
        }
        int port;
        do {
            port = freePort();
        } while (port == clientPort);
        return port;
    }

    private static void format(Path configFile, String clusterId) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            exit = StorageTool.execute(new String[] {
                "format", "--cluster-id", clusterId, "--config", configFile.toString(),
                "--standalone", "--ignore-formatted"}, out);
        }
        String output = captured.toString(StandardCharsets.UTF_8).trim();
        if (exit != 0) {
            throw new IllegalStateException("Formatting Kafka storage failed (exit " + exit + "): " + output);
        }
        LOG.debug("kafka-storage format: {}", output);
    }

    /** Ready means the broker answers a metadata request and lists itself, not merely that its port is open. */
    private void awaitReady(Duration timeout) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(config)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    if (System.nanoTime() > deadline) {
                        close();
                        throw new IllegalStateException("Embedded Kafka on " + bootstrapServers()
                                + " was not ready within " + timeout, notYet);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("Interrupted while waiting for the embedded broker", e);
                }
            }
        }
    }

    private static int requireFree(int port) throws IOException {
        if (!portFree(port)) {
            throw new IllegalStateException("Port " + port + " on " + HOST + " is already in use");
        }
        return port;
    }

    /** Whether nothing listens on {@code port} of 127.0.0.1 (an embedded broker could bind it). */
    public static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
