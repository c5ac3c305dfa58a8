package io.execq.schema.serde;

import io.execq.schema.OutputChunk;

/** {@link AvroSerializer} for {@link OutputChunk}, nameable in Kafka client configs. */
public class OutputChunkSerializer extends AvroSerializer<OutputChunk> {
    public OutputChunkSerializer() {
        super(OutputChunk.class);
    }
}
