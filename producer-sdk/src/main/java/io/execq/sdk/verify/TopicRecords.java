package io.execq.sdk.verify;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.sdk.replay.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;

/** Turns the records of the three topics into what {@link Reconciliation} matches; values are not kept. */
final class TopicRecords {

    private final ExecutionRequestDeserializer requests = new ExecutionRequestDeserializer();
    private final ExecutionResultDeserializer results = new ExecutionResultDeserializer();

    Reconciliation.RequestRecord request(ConsumerRecord<byte[], byte[]> record) {
        ExecutionRequest request = decode(() -> requests.deserialize(record.topic(), record.value()));
        return new Reconciliation.RequestRecord(record.partition(), record.offset(),
                request == null ? null : request.getRequestId(), request == null ? null : request.getReplayOf());
    }

    Reconciliation.ResultRecord result(ConsumerRecord<byte[], byte[]> record) {
        ExecutionResult result = decode(() -> results.deserialize(record.topic(), record.value()));
        return result == null ? new Reconciliation.ResultRecord(record.partition(), record.offset(), null, null, null)
                : new Reconciliation.ResultRecord(record.partition(), record.offset(), result.getRequestId(),
                        result.getStatus().name(), result.getReplayOf());
    }

    Reconciliation.DeadLetterRecord deadLetter(ConsumerRecord<byte[], byte[]> record) {
        String reason = header(record, DeadLetterHeaders.REASON);
        return new Reconciliation.DeadLetterRecord(record.partition(), record.offset(),
                reason == null ? "(no reason header)" : reason, header(record, DeadLetterHeaders.SOURCE_TOPIC),
                number(header(record, DeadLetterHeaders.SOURCE_PARTITION), Integer::valueOf),
                number(header(record, DeadLetterHeaders.SOURCE_OFFSET), Long::valueOf));
    }

    private static <T> T decode(java.util.function.Supplier<T> decoder) {
        try {
            return decoder.get(); // null for a tombstone
        } catch (SerializationException e) {
            return null;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static <T> T number(String text, java.util.function.Function<String, T> parse) {
        try {
            return text == null ? null : parse.apply(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
