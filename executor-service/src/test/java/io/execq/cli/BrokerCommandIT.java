package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionRequestSerializer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code execq broker --port N} from the runnable jar: kafka-clients produce to it and consume from it. */
class BrokerCommandIT {

    @Test
    void brokerCommandServesProducersAndConsumersOnTheGivenPort(@TempDir Path dataDir, @TempDir Path logDir)
            throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Process broker = new ProcessBuilder("java", "-Dexecq.log.dir=" + logDir, "-jar",
                Path.of("target", "execq.jar").toString(), "broker", "--port", Integer.toString(port),
                "--data-dir", dataDir.toString(), "--request-partitions", "4")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(broker.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("execq broker listening on")) {
                // start-up lines
            }
            assertThat(line).startsWith("execq broker listening on 127.0.0.1:" + port);

            String bootstrap = "127.0.0.1:" + port;
            ExecutionRequest request = ExecutionRequest.newBuilder().setRequestId("via-cli")
                    .setSubmittedAt(Instant.EPOCH).setCommand(List.of("true")).build();
            try (KafkaProducer<String, ExecutionRequest> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(), new ExecutionRequestSerializer())) {
                producer.send(new ProducerRecord<>("execq.requests", request.getRequestId(), request)).get();
            }
            try (KafkaConsumer<String, ExecutionRequest> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "broker-command-it",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new ExecutionRequestDeserializer())) {
                consumer.subscribe(List.of("execq.requests"));
                ConsumerRecords<String, ExecutionRequest> records = ConsumerRecords.empty();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (records.isEmpty() && System.nanoTime() < deadline) {
                    records = consumer.poll(Duration.ofMillis(500));
                }
                assertThat(records).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(request));
                assertThat(consumer.partitionsFor("execq.requests")).hasSize(4);
            }
        } finally {
            broker.destroy(); // SIGTERM: the shutdown hook stops the broker cleanly
            assertThat(broker.waitFor(60, TimeUnit.SECONDS)).as("broker exits on SIGTERM").isTrue();
        }
    }
}
