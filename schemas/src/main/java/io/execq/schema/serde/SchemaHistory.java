package io.execq.schema.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The released versions of a record schema, as kept under {@code schemas/history/v<n>/<Name>.avsc}.
 *
 * <p>Every schema a producer may ever have written with must stay readable: the deserializer registers each released
 * version as a writer schema, and the compatibility tests check the current schema against all of them. Versions are
 * numbered from 1 without gaps; the first missing number ends the history.
 */
public final class SchemaHistory {

    static final String ROOT = "/io/execq/schema/history/";

    private SchemaHistory() {
    }

    /** Every released version of the record named {@code simpleName}, oldest first. */
    public static List<Schema> released(String simpleName) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = ROOT + "v" + version + "/" + simpleName + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return List.copyOf(versions);
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read released schema " + resource, e);
            }
        }
    }
}
