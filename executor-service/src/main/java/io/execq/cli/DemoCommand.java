package io.execq.cli;

import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionRequestSerializer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code execq demo}: the zero-setup tour. Today it starts the embedded broker, creates the topics and proves an
 * Avro round trip of sample requests through Kafka; the executor joins it once the pipeline exists.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker, publish sample execution requests and read them back.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dataDir = Files.createTempDirectory("execq-demo-kafka");
        out.printf("Starting an embedded Kafka broker (data: %s, log: %s)...%n", dataDir, LogLocation.kafkaLog());
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0, Map.of(), Duration.ofSeconds(60))) {
            TopicSettings topics = TopicSettings.defaults((short) 1);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()))) {
                out.printf("Broker up on %s; created topics %s%n", kafka.bootstrapServers(),
                        new Topics(admin).ensure(topics));
            }
            List<ExecutionRequest> sent = samples();
            publish(kafka.bootstrapServers(), topics.requests(), sent);
            List<ExecutionRequest> received = readBack(kafka.bootstrapServers(), topics.requests(), sent.size());
            printTable(out, received);
            boolean ok = received.size() == sent.size() && received.containsAll(sent);
            out.println(ok ? "Round trip OK: every request came back intact."
                    : "Round trip FAILED: sent " + sent.size() + ", read back " + received.size());
            return ok ? 0 : 1;
        } finally {
            deleteRecursively(dataDir);
        }
    }

    private static List<ExecutionRequest> samples() {
        Instant now = Instant.now();
        List<List<String>> commands = List.of(
                List.of("echo", "hello from execq"),
                List.of("sh", "-c", "exit 3"),
                List.of("sleep", "30"),
                List.of("python3", "-c", "print(6*7)"));
        List<ExecutionRequest> requests = new ArrayList<>();
        for (List<String> command : commands) {
            requests.add(ExecutionRequest.newBuilder()
                    .setRequestId(UUID.randomUUID().toString())
                    .setSubmittedAt(now)
                    .setCommand(command)
                    .setLabels(Map.of("source", "demo"))
                    .build());
        }
        return requests;
    }

    private static void publish(String bootstrap, String topic, List<ExecutionRequest> requests) throws Exception {
        try (KafkaProducer<String, ExecutionRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ExecutionRequestSerializer())) {
            for (ExecutionRequest request : requests) {
                producer.send(new ProducerRecord<>(topic, request.getRequestId(), request)).get();
            }
        }
    }

    private static List<ExecutionRequest> readBack(String bootstrap, String topic, int expected) {
        List<ExecutionRequest> received = new ArrayList<>();
        try (KafkaConsumer<String, ExecutionRequest> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "execq-demo-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ExecutionRequestDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ExecutionRequest> record : consumer.poll(Duration.ofMillis(500))) {
                    received.add(record.value());
                }
            }
        }
        return received;
    }

    private static void printTable(PrintWriter out, List<ExecutionRequest> received) {
        out.printf("%-36s  %-16s  %s%n", "REQUEST ID", "ISOLATION", "COMMAND");
        for (ExecutionRequest request : received) {
            out.printf("%-36s  %-16s  %s%n", request.getRequestId(), request.getIsolation(),
                    String.join(" ", request.getCommand()));
        }
        out.flush();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
