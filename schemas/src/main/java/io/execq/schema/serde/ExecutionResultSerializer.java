package io.execq.schema.serde;

import io.execq.schema.ExecutionResult;

/** {@link AvroSerializer} for {@link ExecutionResult}, nameable in Kafka client configs. */
public class ExecutionResultSerializer extends AvroSerializer<ExecutionResult> {
    public ExecutionResultSerializer() {
        super(ExecutionResult.class);
    }
}
