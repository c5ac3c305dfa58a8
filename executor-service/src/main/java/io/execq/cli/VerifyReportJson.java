package io.execq.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.execq.sdk.verify.Finding;
import io.execq.sdk.verify.VerifyReport;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code execq verify --json}: the whole {@link VerifyReport} as one JSON object, every finding listed. */
final class VerifyReportJson {

    private static final JsonFactory JSON = new JsonFactory();

    private VerifyReportJson() {
    }

    static String write(VerifyReport report) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeBooleanField("clean", report.clean());
            json.writeObjectFieldStart("topics");
            json.writeStringField("requests", report.requestsTopic());
            json.writeStringField("results", report.resultsTopic());
            json.writeStringField("deadLetters", report.deadLetterTopic());
            json.writeEndObject();
            json.writeNumberField("requestRecords", report.requestRecords());
            json.writeNumberField("undecodableRequests", report.undecodableRequests());
            json.writeNumberField("replays", report.replays());
            json.writeNumberField("results", report.results());
            json.writeNumberField("deadLetters", report.deadLetters());
            counts(json, "resultsByStatus", report.resultsByStatus());
            counts(json, "deadLettersByReason", report.deadLettersByReason());
            findings(json, "missing", report.missing());
            findings(json, "duplicated", report.duplicated());
            findings(json, "unexpected", report.unexpected());
            json.writeArrayFieldStart("notes");
            for (String note : report.notes()) {
                json.writeString(note);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void counts(JsonGenerator json, String name, Map<String, Long> counts) throws IOException {
        json.writeObjectFieldStart(name);
        for (Map.Entry<String, Long> entry : new TreeMap<>(counts).entrySet()) {
            json.writeNumberField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
    }

    private static void findings(JsonGenerator json, String name, List<Finding> findings) throws IOException {
        json.writeArrayFieldStart(name);
        for (Finding finding : findings) {
            json.writeStartObject();
            json.writeStringField("requestId", finding.requestId());
            json.writeStringField("record", finding.position());
            json.writeStringField("detail", finding.detail());
            json.writeEndObject();
        }
        json.writeEndArray();
    }
}
