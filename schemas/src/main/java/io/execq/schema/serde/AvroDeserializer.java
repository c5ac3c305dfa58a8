package io.execq.schema.serde;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Avro single-object encoded records written with the current schema or any released one
 * ({@link SchemaHistory}), resolving old writers to the current reader schema. Anything else raises an
 * {@link UndecodableRecordException} that says why. A null payload (a tombstone) decodes to null. Thread-safe.
 */
public class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    static {
        AvroDecodingLimits.apply();
    }

    private final BinaryMessageDecoder<T> decoder;
    private final String recordName;

    public AvroDeserializer(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema current = model.getSchema(type);
        this.recordName = current.getName();
        this.decoder = new BinaryMessageDecoder<>(model, current);
        SchemaHistory.released(recordName).forEach(decoder::addSchema);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length == 0) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.EMPTY,
                    "empty payload where an " + recordName + " was expected", null);
        }
        try {
            return decoder.decode(data);
        } catch (BadHeaderException e) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.NOT_SINGLE_OBJECT_ENCODED,
                    "payload is not an Avro single-object encoded " + recordName + " (" + e.getMessage() + ")", e);
        } catch (MissingSchemaException e) {
            throw new UndecodableRecordException(UndecodableRecordException.Reason.UNKNOWN_SCHEMA,
                    "payload was written with a schema that is not a released " + recordName + " schema ("
                            + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            // Avro reports a damaged body with whatever the decoding step tripped over (EOF, a bad union index,
            // an over-long length, ...); every one of them means the same thing here. The cause is kept.
            throw new UndecodableRecordException(UndecodableRecordException.Reason.CORRUPT_BODY,
                    "payload body does not decode as " + recordName + " (" + e + ")", e);
        }
    }
}
