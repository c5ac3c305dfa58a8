package io.execq.sdk.internal;

import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.schema.serde.UndecodableRecordException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes result records for the SDK's readers. A record that is not a readable result (corrupt, an unknown schema,
 * a tombstone) is skipped with a warning and counted: one bad record must not stop every reader of the topic.
 */
public final class ResultDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ResultDecoder.class);

    private final ExecutionResultDeserializer deserializer = new ExecutionResultDeserializer();
    private final AtomicLong skipped = new AtomicLong();

    /** The result in {@code record}, or null when it was skipped. */
    public ExecutionResult decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            ExecutionResult result = deserializer.deserialize(record.topic(), record.value());
            if (result == null) {
                skip(record, "it has no value");
            }
            return result;
        } catch (UndecodableRecordException e) {
            skip(record, e.getMessage());
            return null;
        }
    }

    private void skip(ConsumerRecord<byte[], byte[]> record, String why) {
        skipped.incrementAndGet();
        LOG.warn("Skipping the record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), why);
    }

    /** How many records were skipped so far. */
    public long skipped() {
        return skipped.get();
    }
}
