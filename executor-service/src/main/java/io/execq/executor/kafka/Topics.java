package io.execq.executor.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the execq topics that do not exist yet and reports those whose layout differs from the settings. */
public final class Topics {

    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    static final java.time.Duration VISIBLE_TIMEOUT = java.time.Duration.ofSeconds(30);

    private final Admin admin;

    public Topics(Admin admin) {
        this.admin = admin;
    }

    /**
     * Creates each missing topic; existing topics are left as they are (an operator may have tuned them) and a
     * partition count that differs from the settings is logged.
     *
     * @return the names of the topics this call created
     */
    public List<String> ensure(TopicSettings settings) throws InterruptedException {
        return ensure(newTopics(settings));
    }

    /** Creates each of {@code wanted} that is missing, as {@link #ensure(TopicSettings)} does. */
    public List<String> ensure(List<NewTopic> wanted) throws InterruptedException {
        // Only topics this principal may DESCRIBE are listed; on a cluster with ACLs the others look missing.
        Set<String> existing = call(() -> admin.listTopics().names().get());

        List<String> created = new ArrayList<>();
        for (NewTopic topic : wanted) {
            if (existing.contains(topic.name())) {
                warnIfLayoutDiffers(topic);
                continue;
            }
            try {
                admin.createTopics(List.of(topic)).all().get();
                created.add(topic.name());
                LOG.info("Created topic {} ({} partitions)", topic.name(), topic.numPartitions());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicAuthorizationException) {
                    throw new IllegalStateException("Not authorized to create topic " + topic.name() + ". If it "
                            + "exists, this principal may not see it: it needs READ (requests topic) or WRITE "
                            + "(results and dead-letter topics), which include DESCRIBE; to let it create the topic, "
                            + "grant CREATE on the topic or the cluster (docs/security-kafka.md)", e.getCause());
                }
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topic " + topic.name() + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
                // Another executor created it between our listing and our create: that is fine.
            }
        }
        awaitVisible(created, wanted);
        return created;
    }

    /**
     * A created topic reaches the brokers' metadata a moment after the controller acknowledges it; until then a
     * client that asks for its partitions (the SDK's result reader, started right after the executor) is told it
     * does not exist. Waits until every partition has a leader, or {@link #VISIBLE_TIMEOUT} passes (then it logs).
     */
    private void awaitVisible(List<String> created, List<NewTopic> wanted) throws InterruptedException {
        if (created.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + VISIBLE_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(created).allTopicNames().get();
                boolean ready = wanted.stream().filter(t -> created.contains(t.name())).allMatch(t -> {
                    TopicDescription d = described.get(t.name());
                    return d != null && d.partitions().size() == t.numPartitions()
                            && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                });
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                // Not known to the broker's metadata yet.
            }
            Thread.sleep(100);
        }
        LOG.warn("Created topics {} are not visible in the cluster metadata after {}", created, VISIBLE_TIMEOUT);
    }

    /** The three topics as {@link #ensure} creates them: requests, results, dead letters. */
    public static List<NewTopic> newTopics(TopicSettings settings) {
        return List.of(
                topic(settings.requests(), settings.requestPartitions(), settings),
                topic(settings.results(), settings.resultPartitions(), settings),
                topic(settings.deadLetters(), settings.requestPartitions(), settings));
    }

    /**
     * The control topic: one partition (cancellations are few, and every executor reads all of them), kept for
     * {@code retention}, the executors' cancellation window: what it holds is exactly what still applies.
     */
    public static NewTopic controlTopic(String name, short replicationFactor, java.time.Duration retention) {
        return new NewTopic(name, 1, replicationFactor).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                Integer.toString(Math.max(1, Math.min(2, replicationFactor - 1)))));
    }

    /**
     * The output topic: as many partitions as the results topic (chunks are keyed by request id, like results), kept
     * for {@link #OUTPUT_RETENTION}: chunks are progress for whoever follows a run, not a record.
     */
    public static NewTopic outputTopic(String name, TopicSettings settings) {
        return new NewTopic(name, settings.resultPartitions(), settings.replicationFactor()).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(OUTPUT_RETENTION.toMillis()),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                Integer.toString(Math.max(1, Math.min(2, settings.replicationFactor() - 1)))));
    }

    /** How long the output topic keeps chunks when an executor creates it. */
    public static final java.time.Duration OUTPUT_RETENTION = java.time.Duration.ofHours(1);

    private static NewTopic topic(String name, int partitions, TopicSettings settings) {
        return new NewTopic(name, partitions, settings.replicationFactor()).configs(Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(settings.maxMessageBytes()),
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.retention().toMillis()),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                Integer.toString(Math.max(1, Math.min(2, settings.replicationFactor() - 1)))));
    }

    private void warnIfLayoutDiffers(NewTopic wanted) throws InterruptedException {
        TopicDescription actual = call(() -> admin.describeTopics(List.of(wanted.name()))
                .allTopicNames().get().get(wanted.name()));
        if (actual.partitions().size() != wanted.numPartitions()) {
            LOG.warn("Topic {} has {} partitions where {} are configured; keeping it as it is", wanted.name(),
                    actual.partitions().size(), wanted.numPartitions());
        }
    }

    private interface AdminCall<T> {
        T get() throws InterruptedException, ExecutionException;
    }

    private static <T> T call(AdminCall<T> call) throws InterruptedException {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka admin call failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
