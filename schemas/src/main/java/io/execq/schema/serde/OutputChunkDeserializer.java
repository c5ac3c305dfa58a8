package io.execq.schema.serde;

import io.execq.schema.OutputChunk;

/** {@link AvroDeserializer} for {@link OutputChunk}, nameable in Kafka client configs. */
public class OutputChunkDeserializer extends AvroDeserializer<OutputChunk> {
    public OutputChunkDeserializer() {
        super(OutputChunk.class);
    }
}
