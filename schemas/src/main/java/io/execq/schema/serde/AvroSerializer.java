package io.execq.schema.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a record in Avro single-object encoding: the marker {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the
 * writer schema, then the binary body. Readers need no registry: the fingerprint names one of the released schemas.
 * Thread-safe.
 */
public class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final BinaryMessageEncoder<T> encoder;

    public AvroSerializer(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, model.getSchema(type));
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset() + buffer.position(),
                    buffer.arrayOffset() + buffer.limit());
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + record.getSchema().getFullName()
                    + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
