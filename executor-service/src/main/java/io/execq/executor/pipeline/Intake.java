package io.execq.executor.pipeline;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestDeserializer;
import io.execq.schema.serde.UndecodableRecordException;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decode and validate stages: a fetched record becomes a request waiting to start, or a completion at once
 * (undecodable: dead letter; invalid: {@code REJECTED}).
 */
final class Intake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

    /** Either a request to run or a completion to publish. */
    sealed interface Taken {
    }

    record Valid(PartitionWork.Waiting waiting) implements Taken {
    }

    record Done(Completion completion) implements Taken {
    }

    private final ExecutionRequestDeserializer decoder = new ExecutionRequestDeserializer();
    private final RequestValidator validator;
    private final ResultFactory results;

    Intake(RequestValidator validator, ResultFactory results) {
        this.validator = validator;
        this.results = results;
    }

    Taken take(ConsumerRecord<String, byte[]> record, Instant now) {
        ExecutionRequest request;
        try {
            request = decoder.deserialize(record.topic(), record.value());
            if (request == null) {
                throw new UndecodableRecordException(UndecodableRecordException.Reason.EMPTY,
                        "null value (tombstone) where an ExecutionRequest was expected", null);
            }
        } catch (UndecodableRecordException e) {
            LOG.warn("Undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return new Done(Completion.undecodable(record, e.getMessage()));
        }
        try {
            PreparedRun run = validator.prepare(request, record.key(),
                    record.value() == null ? 0 : record.value().length);
            return new Valid(new PartitionWork.Waiting(record, run, now));
        } catch (RequestRejectedException e) {
            LOG.info("Rejected request {}: {}", request.getRequestId(), e.getMessage());
            return new Done(Completion.of(record, results.rejected(request, e.getMessage())));
        }
    }
}
