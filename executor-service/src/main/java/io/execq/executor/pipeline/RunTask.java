package io.execq.executor.pipeline;

import io.execq.executor.control.Cancellations;
import io.execq.executor.output.OutputStreams;
import io.execq.executor.sandbox.Route;
import io.execq.executor.sandbox.RunControl;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxInterruptedException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The run stage, on a worker thread: runs one prepared request in the sandbox its isolation allows, retrying
 * infrastructure faults with exponential backoff a bounded number of times before settling on an {@code ERROR}
 * result. An unavailable sandbox is not retried here: the request goes back to its partition, which waits (paused)
 * until a sandbox is available again or the request's deadline passes.
 */
public final class RunTask {

    private static final Logger LOG = LoggerFactory.getLogger(RunTask.class);
    /** How long a requeued request waits before it is tried again, so a flapping daemon cannot spin the loop. */
    static final Duration REQUEUE_DELAY = Duration.ofSeconds(1);

    private final SandboxSelector sandboxes;
    private final ResultFactory results;
    private final int retries;
    private final Duration backoff;
    private final PipelineMetrics metrics;
    private final Clock clock;
    private final Cancellations cancellations;
    private final OutputStreams outputs;

    public RunTask(SandboxSelector sandboxes, ResultFactory results, int retries, Duration backoff,
            PipelineMetrics metrics, Clock clock) {
        this(sandboxes, results, retries, backoff, metrics, clock, Cancellations.none());
    }

    /** A run task whose runs {@code cancellations} can kill. */
    public RunTask(SandboxSelector sandboxes, ResultFactory results, int retries, Duration backoff,
            PipelineMetrics metrics, Clock clock, Cancellations cancellations) {
        this(sandboxes, results, retries, backoff, metrics, clock, cancellations, OutputStreams.NONE);
    }

    /** A run task whose runs {@code cancellations} can kill and whose output {@code outputs} streams when asked. */
    public RunTask(SandboxSelector sandboxes, ResultFactory results, int retries, Duration backoff,
            PipelineMetrics metrics, Clock clock, Cancellations cancellations, OutputStreams outputs) {
        this.outputs = outputs;
        this.cancellations = cancellations;
        this.sandboxes = sandboxes;
        this.results = results;
        this.retries = retries;
        this.backoff = backoff;
        this.metrics = metrics;
        this.clock = clock;
    }

    RunOutcome run(PartitionWork work, PartitionWork.Waiting waiting) {
        PreparedRun run = waiting.run();
        MDC.put("requestId", run.requestId());
        RunControl control = new RunControl(clock);
        try (Cancellations.Tracked tracked = cancellations.track(run.requestId(), control)) {
            for (int attempt = 0; ; attempt++) {
                if (control.cancelledAt().isPresent()) {
                    cancellations.notStarted();
                    return new RunOutcome.Finished(work, Completion.of(waiting.record(),
                            results.cancelledBeforeStart(run.request())));
                }
                Route route = sandboxes.route(run.isolation());
                if (!(route instanceof Route.Run chosen)) {
                    return requeue(work, waiting, ((Route.Unavailable) route).reason());
                }
                try {
                    SandboxOutcome outcome;
                    try (OutputStreams.Tap tap = streamOf(run)) {
                        control.listenOutput(tap);
                        outcome = chosen.sandbox().run(run.spec(), control);
                    }
                    metrics.ran(outcome);
                    Optional<Instant> cancelledAt = control.cancelledAt();
                    return new RunOutcome.Finished(work, Completion.of(waiting.record(), cancelledAt.isPresent()
                            ? results.cancelled(run, outcome, cancelledAt.get()) : results.completed(run, outcome)));
                } catch (SandboxInterruptedException e) {
                    // Revocation or shutdown interrupted us; the loop discards this for a stale partition.
                    return requeue(work, waiting, "interrupted");
                } catch (SandboxUnavailableException e) {
                    return requeue(work, waiting, e.getMessage());
                } catch (SandboxException e) {
                    if (control.cancelledAt().isPresent()) {
                        continue; // the cancel's kill broke the run before it started: answered above
                    }
                    if (!e.retriable() || attempt >= retries) {
                        LOG.warn("Run failed after {} attempt(s): {}", attempt + 1, e.getMessage());
                        return finishedWithError(work, waiting, e.getMessage());
                    }
                    metrics.retried();
                    LOG.info("Infrastructure fault, retrying (attempt {} of {}): {}", attempt + 1, retries,
                            e.getMessage());
                    if (!sleep(backoff.multipliedBy(1L << Math.min(attempt, 20)))) {
                        return requeue(work, waiting, "interrupted");
                    }
                } catch (RuntimeException e) {
                    // A bug of ours must not retry forever or lose the request: it gets an ERROR result.
                    LOG.error("Unexpected failure running the request", e);
                    return finishedWithError(work, waiting, "internal error: " + e);
                }
            }
        } finally {
            MDC.remove("requestId");
        }
    }

    /** A new stream (new runId) for each start of a run that asked for streaming. */
    private OutputStreams.Tap streamOf(PreparedRun run) {
        return run.request().getStreamOutput() ? outputs.open(run.requestId(), run.request().getAttempt())
                : OutputStreams.Tap.NONE;
    }

    private RunOutcome finishedWithError(PartitionWork work, PartitionWork.Waiting waiting, String message) {
        return new RunOutcome.Finished(work, Completion.of(waiting.record(), results.error(waiting.run(), message)));
    }

    private RunOutcome requeue(PartitionWork work, PartitionWork.Waiting waiting, String why) {
        LOG.info("Sandbox unavailable, the request waits: {}", why);
        return new RunOutcome.Requeue(work, new PartitionWork.Waiting(waiting.record(), waiting.run(),
                clock.instant().plus(REQUEUE_DELAY)), why);
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
