package io.execq.sdk.replay;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Reads the dead-letter topic and turns each record into a {@link DeadLetter}. */
final class DeadLetterReader {

    private final ExecutionRequestDeserializer decoder = new ExecutionRequestDeserializer();

    List<DeadLetter> readAll(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        return TopicScan.readToEnd(consumer, topic, timeout).stream().map(this::toDeadLetter).toList();
    }

    DeadLetter toDeadLetter(ConsumerRecord<byte[], byte[]> record) {
        ExecutionRequest request = decode(record);
        String reason = header(record.headers(), DeadLetterHeaders.REASON);
        String requestId = header(record.headers(), DeadLetterHeaders.REQUEST_ID);
        return new DeadLetter(record.topic(), record.partition(), record.offset(),
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                requestId != null ? requestId : request == null ? null : request.getRequestId(),
                reason == null ? (request == null ? DeadLetterHeaders.UNDECODABLE : "UNKNOWN") : reason,
                orEmpty(header(record.headers(), DeadLetterHeaders.DETAIL)),
                instant(header(record.headers(), DeadLetterHeaders.FAILED_AT)), request);
    }

    private ExecutionRequest decode(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return decoder.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            return null;
        }
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }
}
