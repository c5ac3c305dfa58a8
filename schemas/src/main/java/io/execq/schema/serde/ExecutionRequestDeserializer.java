package io.execq.schema.serde;

import io.execq.schema.ExecutionRequest;

/** {@link AvroDeserializer} for {@link ExecutionRequest}, nameable in Kafka client configs. */
public class ExecutionRequestDeserializer extends AvroDeserializer<ExecutionRequest> {
    public ExecutionRequestDeserializer() {
        super(ExecutionRequest.class);
    }
}
