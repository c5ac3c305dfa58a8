package io.execq.sdk.internal;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.CancelOutcome;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.OutputListener;
import io.execq.sdk.ResultsNotAuthorizedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;

/**
 * The Kafka {@link ExecutionClient}: one idempotent producer, and one {@link ResultReader} feeding a
 * {@link PendingResults}, started by the first {@code execute}.
 */
public final class KafkaExecutionClient implements ExecutionClient {

    private final RequestPublisher publisher;
    private final Supplier<Consumer<byte[], byte[]>> readerConsumers;
    private final String resultsTopic;
    private final TimeoutScheduler timeouts;
    private final PendingResults pending;
    private final Duration closeTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ResultReader reader;
    private CancelPublisher cancels;
    private String outputTopic;
    private Supplier<Consumer<byte[], byte[]>> outputConsumers;

    /** Lets {@code execute} with a listener follow the output topic {@code topic} through {@code consumers}. */
    public KafkaExecutionClient withOutput(String topic, Supplier<Consumer<byte[], byte[]>> consumers) {
        this.outputTopic = topic;
        this.outputConsumers = consumers;
        return this;
    }

    @Override
    public CompletableFuture<ExecutionResult> execute(ExecutionRequest request, Duration timeout,
            OutputListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(listener, "listener");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
        }
        if (outputConsumers == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("this client has no output topic"));
        }
        ExecutionRequest streaming = request.getStreamOutput() ? request
                : ExecutionRequest.newBuilder(request).setStreamOutput(true).build();
        OutputFollower follower;
        try {
            follower = new OutputFollower(outputConsumers.get(), outputTopic, request.getRequestId(), listener);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // Positioned before the request is sent, so no chunk of it is missed; sent off the follower's thread.
        CompletableFuture<ExecutionResult> result = follower.start()
                .thenComposeAsync(positioned -> execute(streaming, timeout))
                .thenCompose(done -> follower.finish().thenApply(ignored -> done));
        result.whenComplete((done, error) -> follower.close());
        return result;
    }

    /** Lets {@link #cancel} publish through {@code cancels} (closed with this client). */
    public KafkaExecutionClient withCancellation(CancelPublisher cancels) {
        this.cancels = cancels;
        return this;
    }

    @Override
    public CompletableFuture<CancelOutcome> cancel(String requestId, Duration wait) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(wait, "wait");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
        }
        if (cancels == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("this client has no control topic"));
        }
        if (requestId.isBlank() || wait.isNegative()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(requestId.isBlank()
                    ? "requestId must not be blank" : "wait must not be negative, got " + wait));
        }
        return cancels.cancel(requestId, wait);
    }

    public KafkaExecutionClient(Producer<byte[], byte[]> producer, Supplier<Consumer<byte[], byte[]>> readerConsumers,
            String requestsTopic, String resultsTopic, int maxRequestBytes, TimeoutScheduler timeouts,
            Duration closeTimeout) {
        this.publisher = new RequestPublisher(producer, requestsTopic, maxRequestBytes);
        this.readerConsumers = readerConsumers;
        this.resultsTopic = resultsTopic;
        this.timeouts = timeouts;
        this.pending = new PendingResults(timeouts);
        this.closeTimeout = closeTimeout;
    }

    public static KafkaExecutionClient create(KafkaSettings settings, String requestsTopic, String resultsTopic,
            Duration closeTimeout) {
        int maxRequestBytes = settings.maxRequestBytes();
        Producer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(settings.producer());
        } catch (KafkaException e) {
            throw new IllegalArgumentException("Cannot create the Kafka producer: " + e.getMessage(), e);
        }
        return new KafkaExecutionClient(producer, () -> new KafkaConsumer<>(settings.resultReader()), requestsTopic,
                resultsTopic, maxRequestBytes, new ScheduledTimeouts("execq-client-timeouts"), closeTimeout);
    }

    @Override
    public CompletableFuture<String> submit(ExecutionRequest request) {
        Objects.requireNonNull(request, "request");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
        }
        try {
            RequestValidator.validate(request);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return publisher.publish(request);
    }

    @Override
    public CompletableFuture<ExecutionResult> execute(ExecutionRequest request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("client closed"));
        }
        if (timeout.isNegative() || timeout.isZero()) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("timeout must be positive, got " + timeout));
        }
        try {
            RequestValidator.validate(request);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        ResultReader started;
        try {
            started = reader();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // Registered before sending: the result may arrive before the send callback does.
        CompletableFuture<ExecutionResult> result = pending.register(request.getRequestId(), timeout);
        if (result.isDone()) {
            return result;
        }
        CompletableFuture<String> sent = started.ready().isDone() && !started.ready().isCompletedExceptionally()
                ? publisher.publish(request)
                // Not on the reader's thread: a send may block on metadata, and the reader must go on polling.
                : started.ready().thenComposeAsync(ready -> publisher.publish(request));
        sent.whenComplete((requestId, error) -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            }
        });
        return result;
    }

    private synchronized ResultReader reader() {
        if (closed.get()) {
            throw new IllegalStateException("client closed");
        }
        if (reader == null) {
            reader = new ResultReader(readerConsumers.get(), resultsTopic, pending::complete);
            reader.stopped().whenComplete((stopped, error) -> {
                if (error instanceof ResultsNotAuthorizedException refused) {
                    pending.failAll(requestId -> new ResultsNotAuthorizedException(refused.topic(), refused.getCause()));
                } else if (error instanceof IllegalStateException refusal) {
                    // The reader's own start-up refusal ("results topic ... does not exist") says it all, and must
                    // read the same whether it reaches a caller through here or through the send it held back.
                    pending.failAll(requestId -> refusal);
                } else if (error != null) {
                    pending.failAll(requestId -> new IllegalStateException("result reader failed before the result"
                            + " of request " + requestId + " arrived: " + error, error));
                }
            });
            reader.start();
        }
        return reader;
    }

    /** How many {@code execute} calls are waiting for a result. */
    public int pendingCount() {
        return pending.size();
    }

    /** Result records skipped because they could not be decoded. */
    public long skippedResults() {
        ResultReader current;
        synchronized (this) {
            current = reader;
        }
        return current == null ? 0 : current.skipped();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pending.close(requestId -> new IllegalStateException("client closed before the result of request "
                + requestId + " arrived"));
        ResultReader current;
        synchronized (this) {
            current = reader;
        }
        try {
            if (current != null) {
                current.close();
            }
        } finally {
            try {
                if (cancels != null) {
                    cancels.close();
                }
                publisher.close(closeTimeout);
            } finally {
                timeouts.close();
            }
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
