package io.execq.schema.serde;

import io.execq.schema.CancelRequest;

/** {@link AvroSerializer} for {@link CancelRequest}, nameable in Kafka client configs. */
public class CancelRequestSerializer extends AvroSerializer<CancelRequest> {
    public CancelRequestSerializer() {
        super(CancelRequest.class);
    }
}
