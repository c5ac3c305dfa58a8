package io.execq.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.Isolation;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SerdeRoundTripTest {

    @Test
    void requestWithEveryFieldSurvivesTheRoundTrip() {
        ExecutionRequest request = Samples.fullRequest();

        byte[] bytes = new ExecutionRequestSerializer().serialize("execq.requests", request);
        ExecutionRequest decoded = new ExecutionRequestDeserializer().deserialize("execq.requests", bytes);

        assertThat(decoded).isEqualTo(request);
        assertThat(decoded.getDeadline()).isEqualTo(Instant.parse("2026-11-22T10:16:30.123Z"));
        assertThat(decoded.getFiles().get(1).getExecutable()).isTrue();
    }

    @Test
    void resultWithEveryFieldSurvivesTheRoundTrip() {
        ExecutionResult result = Samples.fullResult();

        byte[] bytes = new ExecutionResultSerializer().serialize("execq.results", result);
        ExecutionResult decoded = new ExecutionResultDeserializer().deserialize("execq.results", bytes);

        assertThat(decoded).isEqualTo(result);
        assertThat(decoded.getStdout().getTotalBytes()).isEqualTo(9_000_000L);
    }

    @Test
    void minimalRequestTakesTheSchemaDefaults() {
        ExecutionRequest minimal = ExecutionRequest.newBuilder()
                .setRequestId("r")
                .setSubmittedAt(Samples.SUBMITTED)
                .setCommand(List.of("true"))
                .build();

        ExecutionRequest decoded = new ExecutionRequestDeserializer()
                .deserialize("t", new ExecutionRequestSerializer().serialize("t", minimal));

        assertThat(decoded.getIsolation()).isEqualTo(Isolation.PREFER_CONTAINER);
        assertThat(decoded.getAttempt()).isEqualTo(1);
        assertThat(decoded.getFiles()).isEmpty();
        assertThat(decoded.getEnv()).isEmpty();
        assertThat(decoded.getLimits()).isNull();
        assertThat(decoded.getDeadline()).isNull();
    }

    @Test
    void payloadStartsWithTheSingleObjectMarkerAndTheSchemaFingerprint() {
        byte[] bytes = new ExecutionRequestSerializer().serialize("t", Samples.fullRequest());

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = org.apache.avro.SchemaNormalization.parsingFingerprint64(ExecutionRequest.getClassSchema());
        long written = java.nio.ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(written).isEqualTo(fingerprint);
    }

    @Test
    void nullPayloadIsATombstone() {
        assertThat(new ExecutionRequestDeserializer().deserialize("t", null)).isNull();
        assertThat(new ExecutionRequestSerializer().serialize("t", null)).isNull();
    }
}
