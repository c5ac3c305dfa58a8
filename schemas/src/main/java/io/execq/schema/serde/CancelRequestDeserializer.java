package io.execq.schema.serde;

import io.execq.schema.CancelRequest;

/** {@link AvroDeserializer} for {@link CancelRequest}, nameable in Kafka client configs. */
public class CancelRequestDeserializer extends AvroDeserializer<CancelRequest> {
    public CancelRequestDeserializer() {
        super(CancelRequest.class);
    }
}
