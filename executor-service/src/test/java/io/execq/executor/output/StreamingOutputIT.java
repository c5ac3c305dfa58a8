package io.execq.executor.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import io.execq.sdk.ExecutionRequests;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecutorAndClient;
import io.execq.testing.MetricsScrape;
import io.execq.testing.TopicReader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming output end to end: one real executor (real Kafka, real Docker, the process fallback) publishes chunks to
 * a private output topic; the SDK's listener follows them. The executor streams at most 100 KiB per run and keeps
 * 64 KiB per stream in the result.
 */
class StreamingOutputIT {

    private static final long MAX_STREAM_BYTES = 100 * 1024;
    private static final long MAX_OUTPUT = 64 * 1024;
    /** Ten lines, one every 200 ms: about two seconds of output that flows while the program runs. */
    private static final String TICKER = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; sleep 0.2; done";
    private static final Duration WAIT = Duration.ofMinutes(2);

    private static String outputTopic;
    private static ExecutorAndClient stack;

    @BeforeAll
    static void start() {
        outputTopic = "output-" + UUID.randomUUID().toString().substring(0, 8);
        stack = ExecutorAndClient.start(Map.of("output-topic", outputTopic,
                "max-stream-bytes", Long.toString(MAX_STREAM_BYTES), "max-output", Long.toString(MAX_OUTPUT),
                "default-max-output", Long.toString(MAX_OUTPUT)), builder -> builder.outputTopic(outputTopic));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void aContainerRunsOutputArrivesInOrderWhileItRunsAndAddsUpToTheResultsStdout() {
        DockerAvailability.requireDocker();
        assertStreamsWhileRunning(Isolation.CONTAINER);
    }

    @Test
    void aHostProcessRunsOutputArrivesInOrderWhileItRuns() {
        assertStreamsWhileRunning(Isolation.PROCESS);
    }

    @Test
    void aFloodStreamsAtMostTheOperatorsBoundCountsTheRestAsDroppedAndTheResultIsCappedAsBefore() throws Exception {
        DockerAvailability.requireDocker();
        ExecutionRequest request = ExecutionRequests.command("sh", "-c", "yes | head -c 20000000")
                .isolation(Isolation.CONTAINER).build();
        Listener listener = new Listener();

        ExecutionResult result = stack.client().execute(request, WAIT, listener).join();

        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(result.getStdout().getTotalBytes()).isEqualTo(20_000_000L);
        assertThat(result.getStdout().getTruncated()).isTrue();
        assertThat(result.getStdout().getData().remaining()).isEqualTo((int) MAX_OUTPUT);
        List<OutputChunk> chunks = listener.chunks();
        assertSequenced(chunks);
        long published = chunks.stream().mapToLong(c -> c.getData().remaining()).sum();
        long dropped = chunks.stream().mapToLong(OutputChunk::getDropped).sum();
        assertThat(published).isPositive().isLessThanOrEqualTo(MAX_STREAM_BYTES);
        assertThat(dropped).isPositive();
        assertThat(published + dropped).as("every byte is either streamed or counted as dropped")
                .isEqualTo(20_000_000L);
        assertThat(data(chunks)).as("what was streamed is the start of the output")
                .startsWith(bytes(result.getStdout().getData()));
        assertThat(MetricsScrape.sum(stack.executor().httpPort(), "execq_output_dropped_bytes_total"))
                .isGreaterThanOrEqualTo(dropped);
        assertThat(MetricsScrape.sum(stack.executor().httpPort(), "execq_output_chunks_total", Map.of("outcome", "sent")))
                .isGreaterThanOrEqualTo(chunks.size());
    }

    @Test
    void aRequestWithoutStreamOutputPublishesNoChunks() {
        ExecutionRequest plain = ExecutionRequests.command("echo", "quiet").isolation(Isolation.PROCESS).build();
        ExecutionRequest streamed = ExecutionRequests.command("echo", "loud").isolation(Isolation.PROCESS)
                .streamOutput(true).build();
        assertThat(stack.client().execute(plain, WAIT).join().getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(stack.client().execute(streamed, WAIT).join().getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);

        List<ConsumerRecord<String, byte[]>> records = TopicReader.readCommitted(stack.topics().bootstrapServers(),
                outputTopic, read -> read.stream().anyMatch(r -> streamed.getRequestId().equals(r.key())),
                Duration.ofSeconds(30), Duration.ofSeconds(1));
        assertThat(records).extracting(ConsumerRecord::key).as("the streamed request's chunks are in the topic")
                .contains(streamed.getRequestId()).doesNotContain(plain.getRequestId());
    }

    private static void assertStreamsWhileRunning(Isolation isolation) {
        ExecutionRequest request = ExecutionRequests.command("sh", "-c", TICKER).isolation(isolation).build();
        Listener listener = new Listener();

        CompletableFuture<ExecutionResult> future = stack.client().execute(request, WAIT, listener);
        ExecutionResult result = future.join();
        Instant returned = Instant.now();

        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        List<OutputChunk> chunks = listener.chunks();
        assertThat(chunks).as("output flowed for two seconds: several chunks").hasSizeGreaterThanOrEqualTo(3);
        assertSequenced(chunks);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.getStream()).isEqualTo(OutputStream.STDOUT);
            assertThat(c.getDropped()).isZero();
            assertThat(c.getAttempt()).isEqualTo(1);
        });
        assertThat(listener.firstArrival()).as("the first chunk arrived while the program still ran")
                .isBefore(result.getFinishedAt().minusMillis(500))
                .isBefore(returned.minusMillis(500));
        assertThat(new String(data(chunks))).isEqualTo(new String(bytes(result.getStdout().getData())))
                .startsWith("line 1\n").endsWith("line 10\n");
    }

    /** One run, sequences 0, 1, 2, ... without gaps or repeats. */
    private static void assertSequenced(List<OutputChunk> chunks) {
        assertThat(chunks).isNotEmpty();
        assertThat(chunks).extracting(c -> c.getRunId().toString()).containsOnly(chunks.get(0).getRunId().toString());
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(chunks.get(i).getSequence()).isEqualTo(i);
        }
    }

    private static byte[] data(List<OutputChunk> chunks) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        chunks.forEach(c -> all.writeBytes(bytes(c.getData())));
        return all.toByteArray();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] b = new byte[copy.remaining()];
        copy.get(b);
        return b;
    }

    /** Records each chunk and when it arrived. */
    private static final class Listener implements io.execq.sdk.OutputListener {
        private final List<OutputChunk> chunks = new CopyOnWriteArrayList<>();
        private volatile Instant firstArrival;

        @Override
        public void onChunk(OutputChunk chunk) {
            if (firstArrival == null) {
                firstArrival = Instant.now();
            }
            chunks.add(chunk);
        }

        List<OutputChunk> chunks() {
            return List.copyOf(chunks);
        }

        Instant firstArrival() {
            return firstArrival;
        }
    }
}
