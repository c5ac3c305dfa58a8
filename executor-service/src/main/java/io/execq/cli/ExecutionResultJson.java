package io.execq.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.execq.schema.ExecutionResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * One {@link ExecutionResult} as one line of JSON, for people and {@code jq}: the Avro field names, in schema order;
 * a union is its plain value or {@code null} (Avro's own JSON encoding would wrap it as {@code {"int": 3}});
 * enums are their symbol; timestamps are ISO-8601 strings; {@code bytes} (the captured output) are UTF-8 text, with
 * invalid sequences replaced by U+FFFD. It walks the schema, so a field added to the schema appears without a change
 * here.
 */
final class ExecutionResultJson {

    private static final JsonFactory JSON = new JsonFactory();

    private ExecutionResultJson() {
    }

    /** The result as a single-line JSON object (no trailing newline). */
    static String write(ExecutionResult result) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            writeRecord(json, result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeRecord(JsonGenerator json, SpecificRecordBase record) throws IOException {
        json.writeStartObject();
        for (Schema.Field field : record.getSchema().getFields()) {
            json.writeFieldName(field.name());
            writeValue(json, record.get(field.pos()));
        }
        json.writeEndObject();
    }

    private static void writeValue(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof SpecificRecordBase record) {
            writeRecord(json, record);
        } else if (value instanceof CharSequence text) {
            json.writeString(text.toString());
        } else if (value instanceof Boolean bool) {
            json.writeBoolean(bool);
        } else if (value instanceof Integer number) {
            json.writeNumber(number);
        } else if (value instanceof Long number) {
            json.writeNumber(number);
        } else if (value instanceof Double || value instanceof Float) {
            json.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Instant instant) {
            json.writeString(instant.toString());
        } else if (value instanceof ByteBuffer bytes) {
            json.writeString(StandardCharsets.UTF_8.decode(bytes.duplicate()).toString());
        } else if (value instanceof Enum<?> symbol) {
            json.writeString(symbol.name());
        } else if (value instanceof Collection<?> items) {
            json.writeStartArray();
            for (Object item : items) {
                writeValue(json, item);
            }
            json.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.writeFieldName(entry.getKey().toString());
                writeValue(json, entry.getValue());
            }
            json.writeEndObject();
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }
}
