package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.Route;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The loop's own duties, with Kafka's mock clients: an aborted transaction loses nothing and commits nothing twice. */
class ConsumerLoopTest {

    private static final TopicPartition TP = new TopicPartition("requests", 0);

    @Test
    void abortedTransactionIsRereadFromItsFirstOffsetAndCommittedOnce() throws Exception {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        producer.commitTransactionException = new KafkaException("coordinator moved");
        Clock clock = Clock.systemUTC();
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
        ResultFactory results = new ResultFactory("executor-test", clock);
        SandboxSelector noSandboxNeeded = isolation -> new Route.Unavailable("not needed", true);
        Scheduler scheduler = new Scheduler(
                new RequestValidator(new ImagePolicy("execq/busybox:latest", Map.of(), List.of("execq/*")),
                        new LimitPolicy(new EffectiveLimits(1000L, 64L << 20, 1000, 64, 1024L),
                                new EffectiveLimits(1000L, 64L << 20, 1000, 64, 1024L)), 1 << 20, "executor-test"),
                results, noSandboxNeeded, Bulkhead.ofDefaults("b"), RateLimiter.ofDefaults("r"),
                new RunTask(noSandboxNeeded, results, 0, Duration.ZERO, metrics, clock),
                Executors.newSingleThreadExecutor(), clock, metrics, SchedulingPolicy.unordered(4));
        ResultPublisher publisher = new ResultPublisher(producer, new io.execq.schema.serde.ExecutionResultSerializer(),
                "results", "dlt", "executor-test", clock, metrics);
        ConsumerLoop loop = new ConsumerLoop(consumer, "requests", scheduler, publisher, metrics,
                Duration.ofSeconds(1), clock);

        List<ConsumerRecord<String, byte[]>> expiredRequests = List.of(expired(0, "r0"), expired(1, "r1"));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            expiredRequests.forEach(consumer::addRecord);
        });
        // Publishing runs on its own thread: poll until the failed transaction has been settled by a rewind.
        Runnable[] rereadAfterRewind = new Runnable[1];
        rereadAfterRewind[0] = () -> {
            if (producer.transactionAborted() && consumer.position(TP) == 0L) {
                producer.commitTransactionException = null;
                expiredRequests.forEach(consumer::addRecord); // what a real broker returns after the seek
            } else {
                consumer.schedulePollTask(rereadAfterRewind[0]);
            }
        };
        consumer.schedulePollTask(rereadAfterRewind[0]);
        Thread thread = new Thread(loop);
        thread.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> !producer.consumerGroupOffsetsHistory().isEmpty());
        loop.shutdown();
        thread.join(10_000);

        assertThat(producer.consumerGroupOffsetsHistory()).containsExactly(
                Map.of(consumer.groupMetadata().groupId(), Map.of(TP, new OffsetAndMetadata(2))));
        List<ProducerRecord<String, byte[]>> committed = producer.history();
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        assertThat(committed.stream().filter(r -> r.topic().equals("results"))
                .map(r -> decoder.deserialize("results", r.value()).getRequestId()))
                .containsExactly("r0", "r1");
        assertThat(committed.stream().filter(r -> r.topic().equals("dlt"))).hasSize(2);
        assertThat(loop.failure()).isNull();
    }

    private static ConsumerRecord<String, byte[]> expired(long offset, String id) {
        ExecutionRequest request = ExecutionRequest.newBuilder().setRequestId(id).setSubmittedAt(Instant.EPOCH)
                .setDeadline(Instant.EPOCH.plusSeconds(1)).setCommand(List.of("true")).build();
        return new ConsumerRecord<>(TP.topic(), TP.partition(), offset, id,
                new ExecutionRequestSerializer().serialize(TP.topic(), request));
    }
}
