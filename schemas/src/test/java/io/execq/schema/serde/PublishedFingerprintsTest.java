package io.execq.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Producers in other languages write single-object encoding from what schemas/history publishes next to each released
 * schema: its Parsing Canonical Form ({@code .pcf}) and that form's CRC-64-AVRO fingerprint and header
 * ({@code .fingerprint}). Both must be exactly what Java's Avro computes and what our serializer writes.
 */
class PublishedFingerprintsTest {

    static Stream<Arguments> released() {
        List<Arguments> all = new ArrayList<>();
        for (String name : List.of("ExecutionRequest", "ExecutionResult", "OutputChunk", "CancelRequest")) {
            List<Schema> versions = SchemaHistory.released(name);
            for (int i = 0; i < versions.size(); i++) {
                all.add(Arguments.of(name, i + 1, versions.get(i)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("released")
    void canonicalFormAndFingerprintArePublishedNextToTheSchema(String name, int version, Schema schema)
            throws IOException {
        assertThat(resource(version, name + ".pcf").strip()).isEqualTo(SchemaNormalization.toParsingForm(schema));
        Properties published = fingerprint(version, name);
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        assertThat(published.getProperty("fingerprint")).isEqualTo(String.format("%016x", fingerprint));
        assertThat(published.getProperty("header")).isEqualTo(header(fingerprint));
    }

    @Test
    void theSerializerWritesTheLatestPublishedHeader() throws IOException {
        byte[] request = new ExecutionRequestSerializer().serialize("t", Samples.fullRequest());
        byte[] result = new ExecutionResultSerializer().serialize("t", Samples.fullResult());

        assertThat(hex(request, 10)).isEqualTo(latest("ExecutionRequest").getProperty("header"));
        assertThat(hex(result, 10)).isEqualTo(latest("ExecutionResult").getProperty("header"));
    }

    private static Properties latest(String name) throws IOException {
        return fingerprint(SchemaHistory.released(name).size(), name);
    }

    private static Properties fingerprint(int version, String name) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(resource(version, name + ".fingerprint")));
        return properties;
    }

    private static String header(long fingerprint) {
        byte[] bytes = new byte[10];
        bytes[0] = (byte) 0xC3;
        bytes[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            bytes[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return hex(bytes, 10);
    }

    private static String hex(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(i == 0 ? "" : " ").append(HexFormat.of().toHexDigits(bytes[i]));
        }
        return out.toString();
    }

    private static String resource(int version, String file) throws IOException {
        String path = SchemaHistory.ROOT + "v" + version + "/" + file;
        try (InputStream in = PublishedFingerprintsTest.class.getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
