package io.execq.sdk.internal;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.sdk.RequestTooLargeException;
import io.execq.sdk.SubmitException;
import io.execq.sdk.SubmitNotAuthorizedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Serializes a request, checks its size, and sends it keyed by request id. The size check runs here, before
 * {@code send}, so an oversized request fails with a {@link RequestTooLargeException} naming it instead of a
 * {@code RecordTooLargeException} from inside the producer.
 */
public final class RequestPublisher implements AutoCloseable {

    /**
     * What a record costs beyond its key and value: the batch header (61 bytes) and the record's own framing (at
     * most 21 bytes of varints and attributes), rounded up. Kafka checks {@code max.request.size} against this sum.
     */
    static final int RECORD_OVERHEAD_BYTES = 96;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final int maxRequestBytes;
    private final ExecutionRequestSerializer serializer = new ExecutionRequestSerializer();

    public RequestPublisher(Producer<byte[], byte[]> producer, String topic, int maxRequestBytes) {
        this.producer = producer;
        this.topic = topic;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Sends {@code request}; the future completes with its id once the broker has acknowledged it. */
    public CompletableFuture<String> publish(ExecutionRequest request) {
        String requestId = request.getRequestId();
        CompletableFuture<String> acked = new CompletableFuture<>();
        try {
            byte[] key = requestId.getBytes(StandardCharsets.UTF_8);
            byte[] value = serializer.serialize(topic, request);
            long size = (long) key.length + value.length + RECORD_OVERHEAD_BYTES;
            if (size > maxRequestBytes) {
                acked.completeExceptionally(new RequestTooLargeException(requestId, size, maxRequestBytes));
                return acked;
            }
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                if (error == null) {
                    acked.complete(requestId);
                } else {
                    acked.completeExceptionally(refused(requestId, error));
                }
            });
        } catch (RuntimeException e) {
            // send() throws synchronously for a closed producer, a metadata timeout (max.block.ms), or bad records.
            acked.completeExceptionally(refused(requestId, e));
        }
        return acked;
    }

    /**
     * A missing ACL gets its own type: it is not retriable, and the Kafka message alone can mislead (a principal
     * that may write to no topic at all is told "Cluster authorization failed" by the idempotent producer's
     * initialisation).
     */
    private SubmitException refused(String requestId, Exception error) {
        return error instanceof AuthorizationException
                ? new SubmitNotAuthorizedException(requestId, topic, error)
                : new SubmitException(requestId, topic, error);
    }

    /** Sends what is buffered, waiting at most {@code timeout}, and closes the producer. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
