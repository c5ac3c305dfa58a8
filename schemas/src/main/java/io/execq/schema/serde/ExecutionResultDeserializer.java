package io.execq.schema.serde;

import io.execq.schema.ExecutionResult;

/** {@link AvroDeserializer} for {@link ExecutionResult}, nameable in Kafka client configs. */
public class ExecutionResultDeserializer extends AvroDeserializer<ExecutionResult> {
    public ExecutionResultDeserializer() {
        super(ExecutionResult.class);
    }
}
