package io.execq.executor.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer group's lag on the requests topic, per partition, as KEDA's kafka scaler computes it: the last stable
 * offset minus the group's committed offset (minus the earliest offset where the group has committed nothing). Read
 * with the Admin client every {@link #PERIOD} on a thread of its own; exported as {@code execq_consumer_group_lag}
 * with {@code group}, {@code topic} and {@code partition} tags (NaN while it cannot be read).
 *
 * <p>Why not the consumer's own records-lag: fetches update it, and a partition the executor has paused (every slot
 * busy, the very moment a backlog grows) fetches nothing, so its records-lag stays where it was. The committed offset
 * also counts what the executor holds: fetched and waiting, running, finished but not yet committed. Every member of
 * the group exports the same numbers; aggregate them with {@code max by (topic, partition)}.
 */
public final class GroupLag implements AutoCloseable {

    public static final Duration PERIOD = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(GroupLag.class);
    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final String group;
    private final String topic;
    private final MeterRegistry registry;
    private final ConcurrentMap<Integer, Double> lags = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "execq-group-lag");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean failing;

    /** Takes ownership of {@code admin} (closed by {@link #close}). */
    public GroupLag(Admin admin, String group, String topic, MeterRegistry registry) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
        this.registry = registry;
    }

    /** Reads the lag now and then every {@link #PERIOD}. */
    public void start() {
        thread.scheduleWithFixedDelay(this::refreshQuietly, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads every partition's lag once; the gauges show it from now on. */
    public void refresh() throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
        List<TopicPartition> neverCommitted = partitions.stream().filter(tp -> committed.get(tp) == null).toList();
        Map<TopicPartition, Long> starts = neverCommitted.isEmpty() ? Map.of()
                : offsets(neverCommitted, OffsetSpec.earliest());
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata commit = committed.get(tp);
            long from = commit != null ? commit.offset() : starts.get(tp);
            record(tp.partition(), Math.max(0, ends.get(tp) - from));
        }
        if (failing) {
            failing = false;
            LOG.info("Reading the lag of consumer group {} on {} works again", group, topic);
        }
    }

    /** The last lag read for {@code partition}; NaN when unknown. */
    public double lag(int partition) {
        return lags.getOrDefault(partition, Double.NaN);
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        // read_committed: the last stable offset, what the executors can read, as they read with read_committed.
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answer = admin.listOffsets(request,
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        answer.forEach((tp, info) -> offsets.put(tp, info.offset()));
        return offsets;
    }

    private void record(int partition, double lag) {
        if (lags.put(partition, lag) == null) {
            Gauge.builder("execq.consumer.group.lag", lags, m -> m.getOrDefault(partition, Double.NaN))
                    .description("Requests of the partition not yet committed by the consumer group (read with the "
                            + "Admin client every " + PERIOD.toSeconds() + " s)")
                    .tag("group", group).tag("topic", topic).tag("partition", Integer.toString(partition))
                    .register(registry);
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            lags.replaceAll((partition, lag) -> Double.NaN);
            if (!failing) {
                failing = true;
                LOG.warn("Cannot read the lag of consumer group {} on {} (execq_consumer_group_lag is NaN until it "
                        + "can): {}", group, topic, e.toString());
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
