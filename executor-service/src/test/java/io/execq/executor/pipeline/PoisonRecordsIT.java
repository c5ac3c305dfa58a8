package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.sdk.verify.VerifyReport;
import io.execq.testing.ExactlyOnce;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every kind of poison record a producer (or an attacker with write access to the requests topic) can send, in the
 * path of ordinary requests on one partition. Each one ends as a dead letter (undecodable) or a REJECTED result plus
 * its dead letter; the ordinary requests behind it still run; the group's lag returns to 0 and the executor stays
 * ready. Decoding details per kind are unit-tested in {@code UndecodableRecordTest}; this is the pipeline end to end.
 */
class PoisonRecordsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ExecutionRequestSerializer SERIALIZER = new ExecutionRequestSerializer();
    private static final String AT_LIMIT = "record at the topic's size limit";
    /** Fits the requests topic (16 MiB), but not with the dead-letter headers added. */
    private static final int AT_LIMIT_BYTES = (16 << 20) - 300;

    /** What one poison record must end as. */
    private record Expected(String name, long offset, String reason, String detail) {
    }

    @Test
    void everyPoisonRecordIsDeadLetteredOrRejectedAndTheExecutorKeepsGoing() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        String group = "poison-" + UUID.randomUUID();
        Random random = new Random(7);
        byte[] valid = SERIALIZER.serialize(topics.requests(), ok().build());
        Map<String, Expected> poison = new LinkedHashMap<>();
        Map<String, Long> ordinary = new LinkedHashMap<>();

        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            Poison p = (name, key, value, reason, detail) -> {
                poison.put(name, new Expected(name, requests.sendRaw(0, key, value), reason, detail));
                ExecutionRequest behind = ok().build();
                ordinary.put(behind.getRequestId(), requests.sendRaw(0, behind.getRequestId(),
                        SERIALIZER.serialize(topics.requests(), behind)));
            };
            byte[] noise = new byte[200];
            random.nextBytes(noise);
            noise[0] = 0x00; // never the single-object marker by chance
            p.send("random bytes", "noise", noise, "UNDECODABLE", "NOT_SINGLE_OBJECT_ENCODED: ");
            p.send("truncated Avro", "truncated", Arrays.copyOf(valid, 14), "UNDECODABLE", "CORRUPT_BODY: ");
            byte[] unknown = valid.clone();
            unknown[2] ^= 0x5A;
            p.send("unknown schema fingerprint", "unknown", unknown, "UNDECODABLE", "UNKNOWN_SCHEMA: ");
            p.send("1.5 GiB declared string", "huge", hugeDeclaredString(valid), "UNDECODABLE",
                    "CORRUPT_BODY: payload body does not decode as ExecutionRequest");
            p.send("tombstone", "tombstone", null, "UNDECODABLE", "EMPTY: null value (tombstone)");
            p.send("empty value", "empty", new byte[0], "UNDECODABLE", "EMPTY: empty payload");
            p.send("null key, undecodable", null, "junk".getBytes(StandardCharsets.UTF_8), "UNDECODABLE",
                    "NOT_SINGLE_OBJECT_ENCODED: ");
            ExecutionRequest mismatch = ok().build();
            p.send("key/requestId mismatch", "someone-else", SERIALIZER.serialize(topics.requests(), mismatch),
                    "REJECTED", "record key 'someone-else' differs from requestId '" + mismatch.getRequestId() + "'");
            ExecutionRequest oversize = ok().setFiles(List.of(new FileEntry("big.bin",
                    ByteBuffer.wrap(randomBytes(random, 9 << 20)), false))).build();
            p.send("oversize request (9 MiB > max-request-size 8m)", oversize.getRequestId(),
                    SERIALIZER.serialize(topics.requests(), oversize), "REJECTED", "request is ");
            ExecutionRequest badLimits = ok().setLimits(new Limits(-1L, null, null, null, null)).build();
            p.send("bad limits", badLimits.getRequestId(), SERIALIZER.serialize(topics.requests(), badLimits),
                    "REJECTED", "timeoutMillis");
            ExecutionRequest image = ok().setIsolation(Isolation.CONTAINER).setImage("ubuntu:24.04").build();
            p.send("disallowed image", image.getRequestId(), SERIALIZER.serialize(topics.requests(), image),
                    "REJECTED", "ubuntu:24.04");
            // At the topic's size limit: the dead-letter copy (value + headers) is larger than the original.
            p.send(AT_LIMIT, "at-limit", randomBytes(random, AT_LIMIT_BYTES), "UNDECODABLE",
                    "NOT_SINGLE_OBJECT_ENCODED: ");
            // A well-formed request without a key is not poison: the key is optional (RequestValidator).
            ExecutionRequest keyless = ok().build();
            ordinary.put(keyless.getRequestId(), requests.sendRaw(1, null,
                    SERIALIZER.serialize(topics.requests(), keyless)));
        }

        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(Map.of("group-id", group,
                "concurrency", "4")))) {
            VerifyReport report = ExactlyOnce.verify(topics, Duration.ofMinutes(2));

            long rejected = poison.values().stream().filter(e -> e.reason().equals("REJECTED")).count();
            assertThat(report.deadLettersByReason()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "UNDECODABLE", poison.size() - rejected, "REJECTED", rejected));
            assertThat(report.resultsByStatus()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "SUCCEEDED", (long) ordinary.size(), "REJECTED", rejected));

            Map<Long, ConsumerRecord<String, byte[]>> deadLetters = TopicReader.readCommitted(bootstrap,
                    topics.deadLetters(), read -> read.size() >= poison.size(), Duration.ofSeconds(30),
                    Duration.ZERO).stream().collect(Collectors.toMap(
                    r -> Long.parseLong(header(r, DeadLetterHeaders.SOURCE_OFFSET)), Function.identity()));
            for (Expected expected : poison.values()) {
                ConsumerRecord<String, byte[]> letter = deadLetters.get(expected.offset());
                assertThat(letter).as(expected.name()).isNotNull();
                assertThat(header(letter, DeadLetterHeaders.REASON)).as(expected.name()).isEqualTo(expected.reason());
                assertThat(header(letter, DeadLetterHeaders.DETAIL)).as(expected.name()).contains(expected.detail());
            }
            ConsumerRecord<String, byte[]> atLimit = deadLetters.get(poison.get(AT_LIMIT).offset());
            assertThat(atLimit.value()).as("a copy of it would not fit in a record").isNull();
            assertThat(header(atLimit, DeadLetterHeaders.VALUE_OMITTED)).isEqualTo(Integer.toString(AT_LIMIT_BYTES));
            List<ExecutionResult> results = Results.awaitFor(bootstrap, topics.results(), ordinary.keySet(),
                    Duration.ofSeconds(30));
            assertThat(results).filteredOn(r -> ordinary.containsKey(r.getRequestId()))
                    .allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED))
                    .hasSize(ordinary.size());

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    ExecutorPipelineIT.assertOffsetsFullyCommitted(bootstrap, group, topics.requests()));
            assertThat(status(executor, "/health/ready")).isEqualTo(200);
            assertThat(status(executor, "/health/live")).isEqualTo(200);
        }
    }

    @FunctionalInterface
    private interface Poison {
        /** Sends one poison record, then an ordinary request right behind it on the same partition. */
        void send(String name, String key, byte[] value, String reason, String detail) throws Exception;
    }

    private static ExecutionRequest.Builder ok() {
        return Requests.command(Isolation.PROCESS, "echo", "behind the poison");
    }

    /** A valid header, then a requestId that declares itself 1.5 GiB long, then nothing: ~20 bytes in all. */
    private static byte[] hugeDeclaredString(byte[] valid) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid, 0, 10);
        long n = (3L << 29) << 1; // zig-zag of a positive length
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        bytes[0] = 0x00;
        return bytes;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static int status(ExecutorInstance executor, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + executor.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
