package io.execq.schema.serde;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.serde.UndecodableRecordException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UndecodableRecordTest {

    private final ExecutionRequestDeserializer deserializer = new ExecutionRequestDeserializer();

    @Test
    void emptyPayloadIsReportedAsEmpty() {
        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[0]))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY))
                .hasMessageContaining("empty payload where an ExecutionRequest was expected");
    }

    @Test
    void plainTextIsNotSingleObjectEncoded() {
        byte[] json = "{\"requestId\":\"r\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> deserializer.deserialize("t", json))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_SINGLE_OBJECT_ENCODED))
                .hasMessageStartingWith("NOT_SINGLE_OBJECT_ENCODED: payload is not an Avro single-object encoded");
    }

    @Test
    void unknownFingerprintIsReportedAsUnknownSchema() {
        byte[] bytes = new ExecutionRequestSerializer().serialize("t", Samples.fullRequest());
        bytes[2] ^= 0x5A; // damage the fingerprint, keep the marker

        assertThatThrownBy(() -> deserializer.deserialize("t", bytes))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA));
    }

    @Test
    void aResultIsNotARequest() {
        byte[] result = new ExecutionResultSerializer().serialize("t", Samples.fullResult());

        assertThatThrownBy(() -> deserializer.deserialize("t", result))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA));
    }

    @Test
    void truncatedBodyIsReportedAsCorrupt() {
        byte[] bytes = new ExecutionRequestSerializer().serialize("t", Samples.fullRequest());
        byte[] truncated = Arrays.copyOf(bytes, 14);

        assertThatThrownBy(() -> deserializer.deserialize("t", truncated))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY))
                .hasMessageContaining("payload body does not decode as ExecutionRequest");
    }

    @Test
    void hugeDeclaredLengthIsRejectedBeforeAllocation() {
        byte[] header = Arrays.copyOf(new ExecutionRequestSerializer().serialize("t", Samples.fullRequest()), 10);
        // requestId declared as a 1.5 GiB string (zig-zag varint), followed by nothing.
        byte[] body = zigZagVarint(3L << 29);
        byte[] poison = Arrays.copyOf(header, header.length + body.length);
        System.arraycopy(body, 0, poison, header.length, body.length);

        assertThatThrownBy(() -> deserializer.deserialize("t", poison))
                .isInstanceOfSatisfying(UndecodableRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_BODY))
                .hasMessageContaining("String length 1610612736 exceeds maximum allowed");
    }

    private static byte[] zigZagVarint(long value) {
        long n = (value << 1) ^ (value >> 63);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    @Test
    void randomBodiesBehindAValidHeaderOnlyEverRaiseTheTypedError() {
        byte[] valid = new ExecutionRequestSerializer().serialize("t", Samples.fullRequest());
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] fuzzed = Arrays.copyOf(valid, 10 + random.nextInt(valid.length));
            for (int j = 10; j < fuzzed.length; j++) {
                if (random.nextInt(8) == 0) {
                    fuzzed[j] = (byte) random.nextInt(256);
                }
            }
            Throwable thrown = catchThrowable(() -> deserializer.deserialize("t", fuzzed));
            if (thrown != null) {
                assertThat(thrown).as("iteration %d", i).isInstanceOf(UndecodableRecordException.class);
            }
        }
    }
}
