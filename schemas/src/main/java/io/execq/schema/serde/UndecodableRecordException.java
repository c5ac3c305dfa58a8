package io.execq.schema.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a readable execq record. Carries a {@link Reason} so that a consumer can route the record to the
 * dead-letter topic with a machine-readable cause instead of failing on it.
 */
public class UndecodableRecordException extends SerializationException {

    /** Why the bytes could not be decoded. */
    public enum Reason {
        /** No payload at all (null or zero bytes). */
        EMPTY,
        /** The payload does not start with the Avro single-object marker {@code C3 01}. */
        NOT_SINGLE_OBJECT_ENCODED,
        /** The payload names a schema fingerprint that no released execq schema has. */
        UNKNOWN_SCHEMA,
        /** The header is fine but the body does not decode with the schema it names. */
        CORRUPT_BODY
    }

    private final Reason reason;

    public UndecodableRecordException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
