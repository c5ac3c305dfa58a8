package io.execq.schema.serde;

import io.execq.schema.ExecutionRequest;

/** {@link AvroSerializer} for {@link ExecutionRequest}, nameable in Kafka client configs. */
public class ExecutionRequestSerializer extends AvroSerializer<ExecutionRequest> {
    public ExecutionRequestSerializer() {
        super(ExecutionRequest.class);
    }
}
