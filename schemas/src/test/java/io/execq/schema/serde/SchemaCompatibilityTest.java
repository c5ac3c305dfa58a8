package io.execq.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.CancelRequest;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.OutputChunk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards schema evolution: the current schemas must read everything ever released, and readers built from any
 * released schema must read what the current schemas write.
 */
class SchemaCompatibilityTest {

    private static final Map<String, Schema> CURRENT = Map.of(
            "ExecutionRequest", ExecutionRequest.getClassSchema(),
            "ExecutionResult", ExecutionResult.getClassSchema(),
            "OutputChunk", OutputChunk.getClassSchema(),
            "CancelRequest", CancelRequest.getClassSchema());

    static Stream<Arguments> releasedSchemas() {
        List<Arguments> all = new ArrayList<>();
        CURRENT.keySet().forEach(name -> {
            List<Schema> versions = SchemaHistory.released(name);
            for (int i = 0; i < versions.size(); i++) {
                all.add(Arguments.of(name, i + 1, versions.get(i)));
            }
        });
        return all.stream();
    }

    @Test
    void historyHoldsAtLeastOneVersionOfEachRecord() {
        CURRENT.keySet().forEach(name -> assertThat(SchemaHistory.released(name)).as(name).isNotEmpty());
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("releasedSchemas")
    void currentSchemaReadsDataWrittenWithEveryReleasedSchema(String name, int version, Schema released) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(CURRENT.get(name), released);
        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("releasedSchemas")
    void readersOfEveryReleasedSchemaReadDataWrittenWithTheCurrentSchema(String name, int version, Schema released) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(released, CURRENT.get(name));
        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    /** Changing a schema without releasing it under schemas/history/ would leave its writers unreadable. */
    @Test
    void currentSchemasAreTheLatestReleasedVersions() {
        CURRENT.forEach((name, current) -> {
            List<Schema> versions = SchemaHistory.released(name);
            Schema latest = versions.get(versions.size() - 1);
            assertThat(SchemaNormalization.toParsingForm(latest))
                    .as("%s differs from schemas/history/v%d: add the new version as v%d", name, versions.size(),
                            versions.size() + 1)
                    .isEqualTo(SchemaNormalization.toParsingForm(current));
        });
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("releasedSchemas")
    void sampleWrittenWithAReleasedSchemaDecodesWithTheCurrentDeserializer(String name, int version, Schema released)
            throws IOException {
        GenericRecord sample = readSample(name, version, released);
        byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), released).encode(sample));

        Object decoded = Samples.deserializer(name).deserialize("t", bytes);

        assertThat(((GenericRecord) decoded).get("requestId"))
                .isEqualTo(sample.get("requestId").toString());
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("releasedSchemas")
    void readerOfAReleasedSchemaDecodesWhatTheCurrentSerializerWrites(String name, int version, Schema released)
            throws IOException {
        byte[] bytes = Samples.serialize(name);
        BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(), released);
        oldReader.addSchema(CURRENT.get(name));

        GenericRecord decoded = oldReader.decode(bytes);

        assertThat(decoded.get("requestId").toString()).isEqualTo("req-1");
    }

    @Test
    void everyEnumHasUnknownAsItsDefaultSymbol() {
        List<Schema> enums = new ArrayList<>();
        CURRENT.values().forEach(schema -> collectEnums(schema, enums));

        assertThat(enums).extracting(Schema::getName)
                .contains("Isolation", "ExecutionStatus", "Backend", "Protection");
        assertThat(enums).allSatisfy(e -> {
            assertThat(e.getEnumDefault()).as(e.getName()).isEqualTo("UNKNOWN");
            assertThat(e.getEnumSymbols().get(0)).as(e.getName()).isEqualTo("UNKNOWN");
        });
    }

    @Test
    void statusSymbolAddedByANewerWriterReadsAsUnknown() throws IOException {
        Schema newer = new Schema.Parser().parse(ExecutionResult.getClassSchema().toString()
                .replace("\"CANCELLED\"]", "\"CANCELLED\",\"PREEMPTED\"]"));
        GenericRecord written = new GenericRecordBuilder(newer)
                .set("requestId", "r").set("status", new GenericData.EnumSymbol(
                        newer.getField("status").schema(), "PREEMPTED"))
                .set("stdout", emptyOutput(newer)).set("stderr", emptyOutput(newer))
                .set("backend", new GenericData.EnumSymbol(newer.getField("backend").schema(), "NONE"))
                .set("executorId", "e").set("submittedAt", 0L).set("finishedAt", 0L)
                .build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(newer).write(written, encoder);
        encoder.flush();

        ExecutionResult read = new SpecificDatumReader<ExecutionResult>(newer, ExecutionResult.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertThat(read.getStatus()).isEqualTo(ExecutionStatus.UNKNOWN);
    }

    private static GenericRecord emptyOutput(Schema result) {
        return new GenericRecordBuilder(result.getField("stdout").schema())
                .set("data", ByteBuffer.allocate(0)).set("totalBytes", 0L).set("truncated", false).build();
    }

    private static void collectEnums(Schema schema, List<Schema> into) {
        switch (schema.getType()) {
            case ENUM -> {
                if (into.stream().noneMatch(s -> s.getFullName().equals(schema.getFullName()))) {
                    into.add(schema);
                }
            }
            case RECORD -> schema.getFields().forEach(f -> collectEnums(f.schema(), into));
            case UNION -> schema.getTypes().forEach(t -> collectEnums(t, into));
            case ARRAY -> collectEnums(schema.getElementType(), into);
            case MAP -> collectEnums(schema.getValueType(), into);
            default -> { }
        }
    }

    private static GenericRecord readSample(String name, int version, Schema released) throws IOException {
        String resource = SchemaHistory.ROOT + "v" + version + "/" + name + ".sample.json";
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("sample %s", resource).isNotNull();
            return new GenericDatumReader<GenericRecord>(released)
                    .read(null, DecoderFactory.get().jsonDecoder(released, in));
        }
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
