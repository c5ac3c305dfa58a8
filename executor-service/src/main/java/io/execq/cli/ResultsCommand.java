package io.execq.cli;

import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.serde.ExecutionResultDeserializer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code execq results}: prints committed results ({@code read_committed}, so results of aborted executor
 * transactions never show). Without {@code --follow} it reads every partition from the beginning up to the end it
 * had when the command started, then exits; with {@code --follow} it starts at the end (or the beginning, with
 * {@code --from-beginning}) and prints results as they are committed until interrupted. It reads with assigned
 * partitions and no consumer group, so it never moves anyone's offsets.
 */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print committed execution results.",
                "Without --follow: every retained result, then exit. With --follow: new results until Ctrl-C."})
final class ResultsCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from-beginning", description = "With --follow: start at the earliest retained result "
            + "instead of the end (without --follow the command always starts there).")
    boolean fromBeginning;

    @Option(names = "--follow", description = "Keep printing results as they are committed.")
    boolean follow;

    @Option(names = "--status", split = ",", paramLabel = "STATUS",
            description = "Only these statuses, e.g. FAILED,TIMED_OUT.")
    Set<ExecutionStatus> statuses = Set.of();

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties())) {
            List<TopicPartition> partitions = consumer.partitionsFor(kafka.resultsTopic, METADATA_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                spec.commandLine().getErr().println("execq results: topic " + kafka.resultsTopic + " does not exist");
                return 1;
            }
            consumer.assign(partitions);
            if (follow && !fromBeginning) {
                consumer.seekToEnd(partitions);
            } else {
                consumer.seekToBeginning(partitions);
            }
            if (!json) {
                out.println(ResultTable.HEADER);
            }
            Map<TopicPartition, Long> ends = follow ? Map.of() : consumer.endOffsets(partitions, METADATA_TIMEOUT);
            CountDownLatch stopped = follow ? stopOnShutdown(consumer) : null;
            try {
                while (follow || !reached(consumer, ends)) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        print(out, decode(decoder, record));
                    }
                    out.flush();
                }
            } catch (WakeupException e) {
                // Ctrl-C while following.
            } finally {
                if (stopped != null) {
                    stopped.countDown();
                }
            }
        }
        out.flush();
        return 0;
    }

    private void print(PrintWriter out, ExecutionResult result) {
        if (result == null || (!statuses.isEmpty() && !statuses.contains(result.getStatus()))) {
            return;
        }
        out.println(json ? ExecutionResultJson.write(result) : ResultTable.row(result));
    }

    private ExecutionResult decode(ExecutionResultDeserializer decoder, ConsumerRecord<byte[], byte[]> record) {
        try {
            return decoder.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            spec.commandLine().getErr().printf("execq results: skipping %s-%d@%d: %s%n", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return null;
        }
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return props;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** Ctrl-C wakes the consumer; the hook waits for the loop to close it so the JVM exits cleanly. */
    private static CountDownLatch stopOnShutdown(KafkaConsumer<byte[], byte[]> consumer) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.wakeup();
            try {
                stopped.await(java.util.concurrent.TimeUnit.SECONDS.toMillis(5),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "execq-results-shutdown"));
        return stopped;
    }
}
