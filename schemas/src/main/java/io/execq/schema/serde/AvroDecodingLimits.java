package io.execq.schema.serde;

import java.lang.reflect.Method;

/**
 * Caps the lengths Avro believes before it allocates. A record declares its string and byte lengths itself, and Avro
 * allocates the declared size before reading the body: a 20-byte poison record claiming a 1.5 GiB string would
 * otherwise throw the executor into {@link OutOfMemoryError} on every redelivery. No execq record can be larger than
 * a Kafka message, so anything above {@link #DEFAULT_MAX_LENGTH} is corrupt by definition.
 *
 * <p>Avro reads its limits from system properties once; an operator's own {@code -Dorg.apache.avro.limits.*} values
 * win over ours.
 */
final class AvroDecodingLimits {

    static final long DEFAULT_MAX_LENGTH = 64L << 20;
    private static final String[] PROPERTIES = {
        "org.apache.avro.limits.string.maxLength",
        "org.apache.avro.limits.bytes.maxLength",
        "org.apache.avro.limits.collectionItems.maxLength",
    };

    private AvroDecodingLimits() {
    }

    static void apply() {
        boolean changed = false;
        for (String property : PROPERTIES) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, Long.toString(DEFAULT_MAX_LENGTH));
                changed = true;
            }
        }
        if (changed) {
            reloadAvroLimits();
        }
    }

    /** Avro caches the properties in static fields; its resetLimits() re-reads them. */
    private static void reloadAvroLimits() {
        try {
            Method reset = org.apache.avro.SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A future Avro without resetLimits() still honours the properties if it reads them lazily;
            // UndecodableRecordTest.hugeDeclaredLengthIsRejectedBeforeAllocation catches the case where it does not.
        }
    }
}
