package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.schema.serde.SchemaHistory;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Producers and readers built on the first released schemas keep working against an executor that writes the
 * newest ones: a request written with ExecutionRequest v1 runs, and its result, written with the newest
 * ExecutionResult, is read by a reader that knows only ExecutionResult v1 (and by one that knows v2), the way a
 * client that has not been upgraded would read it.
 */
class OldSchemaClientsIT {

    @Test
    void aV1ProducerAndV1AndV2ReadersWorkAgainstThisExecutor() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 1);
        Schema requestV1 = SchemaHistory.released("ExecutionRequest").get(0);
        String requestId = "v1-" + UUID.randomUUID();
        GenericRecord request = new GenericRecordBuilder(requestV1)
                .set("requestId", requestId)
                .set("submittedAt", Instant.now().toEpochMilli())
                .set("command", List.of("sh", "-c", "echo written by a v1 producer"))
                .set("isolation", new GenericData.EnumSymbol(requestV1.getField("isolation").schema(), "PROCESS"))
                .build();
        byte[] encoded = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), requestV1).encode(request));
        try (Requests requests = new Requests(bootstrap, topics.requests())) {
            requests.sendRaw(requestId, encoded);
        }

        ExecutorConfig config = topics.executorConfig(Map.of("group-id", "old-schemas-" + UUID.randomUUID()));
        try (ExecutorInstance executor = ExecutorInstance.start(config)) {
            List<ConsumerRecord<String, byte[]>> results = TopicReader.readCommitted(bootstrap, topics.results(),
                    read -> !read.isEmpty(), Duration.ofMinutes(1), Duration.ofSeconds(1));
            assertThat(results).hasSize(1);
            byte[] written = results.get(0).value();

            for (int version : List.of(1, 2)) {
                Schema readerSchema = SchemaHistory.released("ExecutionResult").get(version - 1);
                BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(),
                        readerSchema);
                // What an old client does: it learns the newer writer schema (published under schemas/history)
                // and resolves it to the reader schema it was built with.
                SchemaHistory.released("ExecutionResult").forEach(oldReader::addSchema);
                GenericRecord result = oldReader.decode(written);

                assertThat(result.get("requestId").toString()).as("v%d reader", version).isEqualTo(requestId);
                assertThat(result.get("status").toString()).as("v%d reader", version).isEqualTo("SUCCEEDED");
                assertThat(StandardCharsets.UTF_8.decode((ByteBuffer) ((GenericRecord) result.get("stdout"))
                        .get("data")).toString()).isEqualTo("written by a v1 producer\n");
                assertThat(result.getSchema().getField("signal")).as("v%d has no signal field", version).isNull();
            }
        }
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
