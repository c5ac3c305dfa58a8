package io.execq.executor.pipeline;

import io.execq.schema.ExecutionResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish stage: results, dead-letter copies and the consumer offsets of a batch of completions, committed in
 * one Kafka transaction. A reader with {@code isolation.level=read_committed} therefore sees a result exactly when
 * its request's offset is committed — never a result whose request will be consumed again, never an offset without
 * its result.
 *
 * <p>Used from the consumer loop's thread only.
 */
public final class ResultPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultPublisher.class);
    /**
     * Every executor's transactional id starts with this; ACLs grant {@code WRITE} on it as a prefixed
     * {@code TransactionalId} resource.
     */
    public static final String TRANSACTIONAL_ID_PREFIX = "execq-executor-";

    /**
     * The largest dead-letter copy sent with its value: the producer's {@code max.request.size} and the topics'
     * {@code max.message.bytes} ({@link io.execq.executor.kafka.TopicSettings#DEFAULT_MAX_MESSAGE_BYTES}) less a
     * margin for record, batch and compression overhead. A request record near the limit fits its topic, but its
     * copy with the dead-letter headers would not: the send would fail the whole transaction on every retry and stall
     * the partition. Such a copy goes without its value ({@link DeadLetterHeaders#VALUE_OMITTED}); the original stays
     * at its source position.
     */
    static final int DEAD_LETTER_COPY_LIMIT = (16 << 20) - (64 << 10);

    private final Producer<String, byte[]> producer;
    private final Serializer<ExecutionResult> serializer;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final String executorId;
    private final Clock clock;
    private final PipelineMetrics metrics;

    public ResultPublisher(Producer<String, byte[]> producer, Serializer<ExecutionResult> serializer,
                           String resultsTopic, String deadLetterTopic, String executorId, Clock clock,
                           PipelineMetrics metrics) {
        this.producer = producer;
        this.serializer = serializer;
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.executorId = executorId;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** The transactional id of executor {@code executorId}: one per executor, so a restart fences its earlier life. */
    public static String transactionalId(String executorId) {
        return TRANSACTIONAL_ID_PREFIX + executorId;
    }

    /**
     * Registers the transactional id, fencing any earlier producer that used it.
     *
     * @throws FatalPublishException the principal may not use the transactional id (no {@code WRITE} ACL on it)
     */
    public void init() {
        try {
            producer.initTransactions();
        } catch (AuthorizationException e) {
            throw new FatalPublishException("Not authorized to use transactional id " + transactionalId(executorId)
                    + ": grant the executor's principal WRITE on TransactionalId prefix " + TRANSACTIONAL_ID_PREFIX
                    + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Publishes {@code batch}'s completions and commits its offsets (with their offset maps), or nothing at all.
     *
     * @throws PublishAbortedException the transaction was aborted; none of the batch is visible and the caller must
     *     consume those records again (at-least-once execution, exactly one visible result)
     * @throws FatalPublishException this producer can no longer commit (fenced by a newer instance, not
     *     authorised, ...); the executor must stop
     */
    public void publish(CommitBatch batch, ConsumerGroupMetadata group) {
        if (batch.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            producer.beginTransaction();
            for (Completion completion : batch.completions()) {
                completion.result().ifPresent(result -> producer.send(new ProducerRecord<>(resultsTopic,
                        result.getRequestId(), serializer.serialize(resultsTopic, result))));
                if (completion.deadLetterReason().isPresent()) {
                    producer.send(deadLetter(completion, completion.deadLetterReason().get()));
                }
            }
            producer.sendOffsetsToTransaction(batch.offsets(), group);
            producer.commitTransaction();
            batch.completions().forEach(metrics::published);
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException | UnsupportedVersionException e) {
            throw new FatalPublishException("Cannot publish results any more: " + e.getMessage(), e);
        } catch (KafkaException e) {
            AuthorizationException refused = authorizationFailure(e);
            if (refused != null) {
                // Retrying cannot help: aborting and running the batch again would loop on the same refusal.
                throw new FatalPublishException("Cannot publish results any more: " + refused.getMessage(), e);
            }
            abort(e);
            throw new PublishAbortedException("Transaction of " + batch.completions().size() + " completions aborted: "
                    + e.getMessage(), e);
        } finally {
            metrics.transaction(batch.completions().size(), java.time.Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** An authorization failure anywhere in the cause chain (a producer in error state wraps the original). */
    private static AuthorizationException authorizationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException authorization) {
                return authorization;
            }
        }
        return null;
    }

    private void abort(KafkaException cause) {
        try {
            producer.abortTransaction();
            LOG.warn("Aborted a result transaction: {}", cause.toString());
        } catch (KafkaException e) {
            throw new FatalPublishException("Cannot abort a failed transaction: " + e.getMessage(), e);
        }
    }

    private ProducerRecord<String, byte[]> deadLetter(Completion completion, String reason) {
        var original = completion.record();
        RecordHeaders headers = new RecordHeaders(original.headers().toArray());
        header(headers, DeadLetterHeaders.REASON, reason);
        header(headers, DeadLetterHeaders.DETAIL, completion.detail());
        completion.result().ifPresent(r -> header(headers, DeadLetterHeaders.REQUEST_ID, r.getRequestId()));
        header(headers, DeadLetterHeaders.SOURCE_TOPIC, original.topic());
        header(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(original.partition()));
        header(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(original.offset()));
        header(headers, DeadLetterHeaders.EXECUTOR_ID, executorId);
        header(headers, DeadLetterHeaders.FAILED_AT, clock.instant().toString());
        if (copySize(original.key(), original.value(), headers) > DEAD_LETTER_COPY_LIMIT) {
            header(headers, DeadLetterHeaders.VALUE_OMITTED, Integer.toString(original.value().length));
            header(headers, DeadLetterHeaders.DETAIL, completion.detail() + " (value of " + original.value().length
                    + " bytes omitted from this dead letter: too large to copy; the original is "
                    + original.topic() + "/" + original.partition() + "/" + original.offset() + ")");
            LOG.warn("Dead letter of {}-{}@{} goes without its {}-byte value: too large to copy", original.topic(),
                    original.partition(), original.offset(), original.value().length);
            return new ProducerRecord<>(deadLetterTopic, null, original.key(), null, headers);
        }
        return new ProducerRecord<>(deadLetterTopic, null, original.key(), original.value(), headers);
    }

    private static long copySize(String key, byte[] value, RecordHeaders headers) {
        long size = (key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length)
                + (value == null ? 0 : value.length);
        for (var header : headers) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close();
    }
}
