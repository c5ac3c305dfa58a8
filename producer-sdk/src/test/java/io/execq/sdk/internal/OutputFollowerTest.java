package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import io.execq.schema.serde.OutputChunkSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OutputFollowerTest {

    private static final String TOPIC = "execq.output";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private final KafkaExecutionClientTest.GatedConsumer consumer = new KafkaExecutionClientTest.GatedConsumer();
    private final List<OutputChunk> delivered = new CopyOnWriteArrayList<>();

    @Test
    void deliversTheIdsChunksFromTheEndInOrderOnceEachUntilTheEndAfterFinish() throws Exception {
        Node node = new Node(0, "127.0.0.1", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[0], new Node[0])));
        consumer.updateEndOffsets(Map.of(TP, 3L));
        OutputFollower follower = new OutputFollower(consumer, TOPIC, "req-1", delivered::add);

        follower.start().get(10, TimeUnit.SECONDS);
        assertThat(consumer.position(TP)).as("starts at the end offset taken before the request is sent")
                .isEqualTo(3L);
        long offset = 3;
        add(offset++, "req-1", chunk("req-1", "run-a", 0, "a0"));
        add(offset++, "req-2", chunk("req-2", "run-x", 0, "other request"));
        add(offset++, "req-1", chunk("req-1", "run-a", 0, "a0 again"));
        add(offset++, "req-1", chunk("req-1", "run-a", 1, "a1"));
        add(offset++, "req-1", chunk("req-1", "run-b", 0, "b0: the request started again"));
        add(offset++, "req-1", chunk("req-1", "run-a", 1, "a1 again"));
        consumer.updateEndOffsets(Map.of(TP, offset));

        follower.finish().get(10, TimeUnit.SECONDS);

        assertThat(delivered).extracting(c -> c.getRunId() + "/" + c.getSequence())
                .containsExactly("run-a/0", "run-a/1", "run-b/0");
        assertThat(delivered).extracting(c -> StandardCharsets.UTF_8.decode(c.getData()).toString())
                .containsExactly("a0", "a1", "b0: the request started again");
        follower.close();
    }

    @Test
    void aMissingOutputTopicFailsTheStartWithItsName() {
        OutputFollower follower = new OutputFollower(consumer, TOPIC, "req-1", delivered::add);

        assertThatThrownBy(() -> follower.start().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("output topic execq.output does not exist");
    }

    private void add(long offset, String key, OutputChunk chunk) {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, key.getBytes(StandardCharsets.UTF_8),
                new OutputChunkSerializer().serialize(TOPIC, chunk)));
    }

    private static OutputChunk chunk(String requestId, String runId, long sequence, String data) {
        return OutputChunk.newBuilder().setRequestId(requestId).setAttempt(1).setRunId(runId).setSequence(sequence)
                .setStream(OutputStream.STDOUT).setData(ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8)))
                .setAt(Instant.parse("2026-12-01T10:00:00Z")).setDropped(0).build();
    }
}
