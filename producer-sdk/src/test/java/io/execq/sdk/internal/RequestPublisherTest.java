package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.RequestTooLargeException;
import io.execq.sdk.SubmitException;
import io.execq.sdk.SubmitNotAuthorizedException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class RequestPublisherTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final RequestPublisher publisher = new RequestPublisher(producer, "execq.requests", 1 << 20);

    @Test
    void sendsTheSerializedRequestKeyedByIdAndCompletesOnlyWhenAcknowledged() {
        ExecutionRequest request = ExecutionRequests.command("echo", "hi").requestId("r1").build();

        CompletableFuture<String> acked = publisher.publish(request);

        assertThat(acked).isNotDone();
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo("execq.requests");
        assertThat(new String(sent.key(), StandardCharsets.UTF_8)).isEqualTo("r1");
        assertThat(new ExecutionRequestDeserializer().deserialize("execq.requests", sent.value())).isEqualTo(request);
        producer.completeNext();
        assertThat(acked).isCompletedWithValue("r1");
    }

    @Test
    void failsWithSubmitExceptionWhenTheBrokerDoesNotAccept() {
        CompletableFuture<String> acked = publisher.publish(ExecutionRequests.command("echo").requestId("r1").build());

        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));

        assertThatThrownBy(acked::join).cause().isExactlyInstanceOf(SubmitException.class)
                .hasMessage("request r1 was not accepted by topic execq.requests: "
                        + "org.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s)")
                .hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void aMissingWriteAclIsASubmitNotAuthorizedExceptionNamingTheTopic() {
        CompletableFuture<String> acked = publisher.publish(ExecutionRequests.command("echo").requestId("r1").build());

        producer.errorNext(new TopicAuthorizationException(java.util.Set.of("execq.requests")));

        assertThatThrownBy(acked::join).cause().isInstanceOf(SubmitNotAuthorizedException.class)
                .hasMessage("request r1 was refused: not authorized to write to topic execq.requests (grant this "
                        + "client's principal WRITE on topic execq.requests): org.apache.kafka.common.errors."
                        + "TopicAuthorizationException: Not authorized to access topics: [execq.requests]")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        SubmitNotAuthorizedException error = (SubmitNotAuthorizedException) acked.handle((ok, e) -> e).join();
        assertThat(error.topic()).isEqualTo("execq.requests");
        assertThat(error.requestId()).isEqualTo("r1");
    }

    @Test
    void anIdempotentProducerRefusedAProducerIdIsNotAuthorizedToWriteTheTopic() {
        CompletableFuture<String> acked = publisher.publish(ExecutionRequests.command("echo").requestId("r1").build());

        producer.errorNext(new ClusterAuthorizationException("Cluster authorization failed."));

        assertThatThrownBy(acked::join).cause().isInstanceOf(SubmitNotAuthorizedException.class)
                .hasMessageStartingWith("request r1 was refused: not authorized to write to topic execq.requests")
                .hasMessageEndingWith("ClusterAuthorizationException: Cluster authorization failed.");
    }

    @Test
    void aSynchronousAuthorizationFailureIsTypedToo() {
        MockProducer<byte[], byte[]> refusing = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
                throw new TopicAuthorizationException(java.util.Set.of(record.topic()));
            }
        };

        CompletableFuture<String> acked = new RequestPublisher(refusing, "execq.requests", 1 << 20)
                .publish(ExecutionRequests.command("echo").requestId("r1").build());

        assertThatThrownBy(acked::join).cause().isInstanceOf(SubmitNotAuthorizedException.class);
    }

    @Test
    void refusesAnOversizedRequestBeforeSendingIt() {
        ExecutionRequest request = ExecutionRequests.command("cat").requestId("big").stdin(new byte[1 << 20]).build();

        CompletableFuture<String> acked = publisher.publish(request);

        assertThat(producer.history()).isEmpty();
        assertThatThrownBy(acked::join).cause().isInstanceOf(RequestTooLargeException.class)
                .hasMessageMatching("request big is \\d+ bytes serialized, over the limit of 1048576 bytes "
                        + "\\(max.request.size\\)");
        RequestTooLargeException error = (RequestTooLargeException) acked.handle((ok, e) -> e).join();
        assertThat(error.serializedBytes()).isGreaterThan(1 << 20);
        assertThat(error.maxBytes()).isEqualTo(1 << 20);
    }

    @Test
    void acceptsARequestJustUnderTheLimit() {
        ExecutionRequest probe = ExecutionRequests.command("cat").requestId("r").stdin(new byte[0]).build();
        int emptySize = new io.execq.schema.serde.ExecutionRequestSerializer().serialize("t", probe).length;
        // A stdin that fits; 8 bytes of slack for the varint length prefix growing with the stdin.
        int stdin = (1 << 20) - emptySize - 1 - RequestPublisher.RECORD_OVERHEAD_BYTES - 8;
        ExecutionRequest request = ExecutionRequest.newBuilder(probe)
                .setStdin(java.nio.ByteBuffer.wrap(new byte[stdin])).build();

        publisher.publish(request);

        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void failsWithSubmitExceptionWhenSendThrows() {
        producer.close();

        CompletableFuture<String> acked = publisher.publish(ExecutionRequests.command("echo").requestId("r1").build());

        assertThatThrownBy(acked::join).cause().isInstanceOf(SubmitException.class)
                .hasMessageStartingWith("request r1 was not accepted by topic execq.requests: ")
                .hasCauseInstanceOf(IllegalStateException.class);
    }
}
