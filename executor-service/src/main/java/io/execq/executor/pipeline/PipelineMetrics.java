package io.execq.executor.pipeline;

import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.schema.ExecutionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** What the pipeline counts and times, named once; exported at {@code /metrics} in Prometheus format. */
public final class PipelineMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pausedPartitions = new AtomicInteger();
    private final AtomicInteger waitingForSandbox = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final Counter retries;
    private final Counter skippedCompleted;
    private final Timer queueWait;
    private final Timer transactions;
    private final io.micrometer.core.instrument.DistributionSummary batchSize;

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("execq.runs.in.flight", inFlight);
        registry.gauge("execq.partitions.paused", pausedPartitions);
        registry.gauge("execq.requests.waiting.for.sandbox", waitingForSandbox);
        // With the consumer's records-lag (not fetched yet), the backlog of this executor's partitions.
        Gauge.builder("execq.requests.queued", queued, AtomicInteger::get)
                .description("Fetched requests not yet started (waiting for a slot, a permit, a sandbox or their "
                        + "turn)").register(registry);
        this.retries = Counter.builder("execq.run.retries")
                .description("Runs retried after an infrastructure fault").register(registry);
        this.skippedCompleted = Counter.builder("execq.records.skipped.completed")
                .description("Fetched records skipped because the committed offset map names them completed "
                        + "(a previous owner committed their results)").register(registry);
        this.transactions = Timer.builder("execq.publish.transaction")
                .description("Result transactions, begin to commit (or abort)").publishPercentileHistogram()
                .register(registry);
        this.batchSize = io.micrometer.core.instrument.DistributionSummary.builder("execq.publish.batch.size")
                .description("Completions committed per transaction").register(registry);
        this.queueWait = Timer.builder("execq.queue.wait").description("From submission to the start of the run")
                .publishPercentileHistogram().register(registry);
        // Every reason exported from the start at 0: rate() cannot see a counter's first increment, so an alert on
        // the first UNDECODABLE record would otherwise never fire.
        for (ExecutionStatus status : ExecutionStatus.values()) {
            if (Completion.deadLettered(status) && status != ExecutionStatus.UNKNOWN) {
                deadLetters(status.name());
            }
        }
        deadLetters(Completion.UNDECODABLE);
        for (io.execq.executor.control.Cancellations.Outcome outcome
                : io.execq.executor.control.Cancellations.Outcome.values()) {
            Counter.builder("execq.cancellations").description("Cancellations read from the control topic "
                    + "(received) and applied by this executor (killed, not_started)").tag("outcome", outcome.tag())
                    .register(registry);
        }
    }

    /** A cancellation was read or took effect ({@code execq_cancellations_total{outcome}}). */
    public void cancellation(io.execq.executor.control.Cancellations.Outcome outcome) {
        Counter.builder("execq.cancellations").description("Cancellations read from the control topic "
                + "(received) and applied by this executor (killed, not_started)").tag("outcome", outcome.tag())
                .register(registry).increment();
    }

    void ran(SandboxOutcome outcome) {
        Timer.builder("execq.run.duration").description("Wall-clock time of runs in a sandbox")
                .tag("backend", outcome.backend().name()).tag("status", ResultFactory.status(outcome).name())
                .publishPercentileHistogram().register(registry).record(outcome.duration());
    }

    void skippedCompleted() {
        skippedCompleted.increment();
    }

    /** A result transaction of {@code completions} ended after {@code duration}. */
    void transaction(int completions, Duration duration) {
        transactions.record(duration);
        batchSize.record(completions);
    }

    void retried() {
        retries.increment();
    }

    /** A completion was produced (not yet published). */
    void completed(Completion completion) {
        completion.result().filter(r -> r.getStartedAt() != null)
                .ifPresent(r -> queueWait.record(Duration.ofMillis(r.getQueueWaitMs())));
    }

    /** A completion's transaction committed. */
    void published(Completion completion) {
        completion.result().ifPresent(r -> Counter.builder("execq.results")
                .description("Results published, by status and backend")
                .tag("status", r.getStatus().name()).tag("backend", r.getBackend().name())
                .register(registry).increment());
        completion.deadLetterReason().ifPresent(reason -> deadLetters(reason).increment());
    }

    private Counter deadLetters(String reason) {
        return Counter.builder("execq.dead.letters").description("Records copied to the dead-letter topic, by reason")
                .tag("reason", reason).register(registry);
    }

    /** The loop's view after each step. */
    void observe(int paused, int queuedRequests, int waiting, int running) {
        pausedPartitions.set(paused);
        queued.set(queuedRequests);
        waitingForSandbox.set(waiting);
        inFlight.set(running);
    }
}
