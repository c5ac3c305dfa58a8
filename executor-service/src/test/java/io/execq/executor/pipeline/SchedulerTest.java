package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.sandbox.Route;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    private static final TopicPartition P0 = new TopicPartition("execq.requests", 0);
    private static final TopicPartition P1 = new TopicPartition("execq.requests", 1);

    private final FakeSandbox sandbox = new FakeSandbox();
    private volatile boolean sandboxAvailable = true;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final List<Completion> published = new ArrayList<>();
    private long nextOffset;

    private volatile boolean notWaitable;
    private final SandboxSelector selector = isolation -> sandboxAvailable ? new Route.Run(sandbox)
            : notWaitable ? new Route.Unavailable("policy forbids host processes (test)", false)
            : new Route.Unavailable("docker unavailable (test)", true);

    @AfterEach
    void stopWorkers() {
        sandbox.gate.countDown();
        workers.shutdownNow();
    }

    private Scheduler scheduler(int concurrency, int retries) {
        return scheduler(concurrency, retries, 1000);
    }

    private Scheduler scheduler(int concurrency, int retries, int runsPerSecond) {
        ResultFactory results = new ResultFactory("executor-test", clock);
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
        RequestValidator validator = new RequestValidator(
                new ImagePolicy("execq/busybox:latest", Map.of(), List.of("execq/*")),
                new LimitPolicy(new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20),
                        new EffectiveLimits(600_000L, 2L << 30, 4000, 1024, 4L << 20)),
                1 << 20, "executor-test");
        Bulkhead bulkhead = Bulkhead.of("test", BulkheadConfig.custom().maxConcurrentCalls(concurrency)
                .maxWaitDuration(Duration.ZERO).build());
        RateLimiter rateLimiter = RateLimiter.of("test", RateLimiterConfig.custom().limitForPeriod(runsPerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
        return new Scheduler(validator, results, selector, bulkhead, rateLimiter,
                new RunTask(selector, results, retries, Duration.ofMillis(1), metrics, clock), workers, clock,
                metrics);
    }

    private ConsumerRecord<String, byte[]> record(TopicPartition tp, ExecutionRequest request) {
        byte[] bytes = new ExecutionRequestSerializer().serialize(tp.topic(), request);
        return new ConsumerRecord<>(tp.topic(), tp.partition(), nextOffset++, request.getRequestId(), bytes);
    }

    private static ExecutionRequest request(String id, String exitCode) {
        return ExecutionRequest.newBuilder().setRequestId(id).setSubmittedAt(Instant.parse("2026-11-22T09:59:00Z"))
                .setCommand(List.of(exitCode)).build();
    }

    private static ConsumerRecords<String, byte[]> records(List<ConsumerRecord<String, byte[]>> list) {
        Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> byPartition = new java.util.HashMap<>();
        list.forEach(r -> byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()),
                k -> new ArrayList<>()).add(r));
        return new ConsumerRecords<>(byPartition, Map.of());
    }

    private void pump(Scheduler scheduler, int expectedCompletions) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            scheduler.advance();
            published.addAll(scheduler.takeCompletions());
            return published.size() >= expectedCompletions;
        });
    }

    @Test
    void runsAtMostOneRecordPerPartitionAtATime() {
        Scheduler scheduler = scheduler(4, 0);
        sandbox.gate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "0")), record(P0, request("b", "1")),
                record(P0, request("c", "0")))));

        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 1);
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.busyPartitions()).containsExactly(P0);

        sandbox.gate.countDown();
        pump(scheduler, 3);
        assertThat(published).extracting(c -> c.result().orElseThrow().getRequestId())
                .containsExactly("a", "b", "c");
        assertThat(published).extracting(Completion::offset).containsExactly(0L, 1L, 2L);
        assertThat(published).extracting(c -> c.result().orElseThrow().getStatus())
                .containsExactly(ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.SUCCEEDED);
        assertThat(scheduler.busyPartitions()).isEmpty();
    }

    @Test
    void pausesAPartitionWhoseHeadFindsTheBulkheadFull() {
        Scheduler scheduler = scheduler(1, 0);
        sandbox.gate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "0")), record(P1, request("b", "0")))));

        scheduler.advance();
        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 1);
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.busyPartitions()).containsExactlyInAnyOrder(P0, P1);

        sandbox.gate.countDown();
        pump(scheduler, 2);
        assertThat(sandbox.runs).hasSize(2);
    }

    @Test
    void startsNoMoreRunsPerPeriodThanTheRateLimiterAllows() {
        Scheduler scheduler = scheduler(4, 0, 1);
        sandbox.gate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "0")), record(P1, request("b", "0")))));

        scheduler.advance();
        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 1);
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.busyPartitions()).containsExactlyInAnyOrder(P0, P1);
        sandbox.gate.countDown();
        pump(scheduler, 2); // the next period's permit starts the second run
    }

    @Test
    void processOnlyRequestIsRejectedWhenThePolicyForbidsHostProcesses() {
        Scheduler scheduler = scheduler(1, 0);
        sandboxAvailable = false;
        notWaitable = true;
        scheduler.add(records(List.of(record(P0, request("proc", "0")))));

        pump(scheduler, 1);

        ExecutionResult result = published.get(0).result().orElseThrow();
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
        assertThat(result.getError()).isEqualTo("policy forbids host processes (test)");
    }

    @Test
    void rejectsInvalidRequestsWithoutRunningThem() {
        Scheduler scheduler = scheduler(1, 0);
        ExecutionRequest empty = ExecutionRequest.newBuilder(request("bad", "0")).setCommand(List.of()).build();
        scheduler.add(records(List.of(record(P0, empty))));

        pump(scheduler, 1);

        Completion completion = published.get(0);
        assertThat(completion.result().orElseThrow().getStatus()).isEqualTo(ExecutionStatus.REJECTED);
        assertThat(completion.result().orElseThrow().getError()).isEqualTo("command must not be empty");
        assertThat(completion.deadLetterReason()).contains("REJECTED");
        assertThat(sandbox.runs).isEmpty();
    }

    @Test
    void undecodableRecordBecomesADeadLetterWithItsReasonAndNoResult() {
        Scheduler scheduler = scheduler(1, 0);
        scheduler.add(records(List.of(new ConsumerRecord<>(P0.topic(), 0, 7L, "k",
                "not avro".getBytes(StandardCharsets.UTF_8)))));

        pump(scheduler, 1);

        Completion completion = published.get(0);
        assertThat(completion.result()).isEmpty();
        assertThat(completion.deadLetterReason()).contains(Completion.UNDECODABLE);
        assertThat(completion.detail()).startsWith("NOT_SINGLE_OBJECT_ENCODED: ");
        assertThat(completion.offset()).isEqualTo(7L);
    }

    @Test
    void requestWaitingForASandboxExpiresAtItsDeadline() {
        Scheduler scheduler = scheduler(1, 0);
        sandboxAvailable = false;
        ExecutionRequest withDeadline = ExecutionRequest.newBuilder(request("late", "0"))
                .setDeadline(clock.instant().plusSeconds(30)).build();
        scheduler.add(records(List.of(record(P0, withDeadline))));

        scheduler.advance();
        assertThat(scheduler.waitingForSandbox()).isEqualTo(1);
        assertThat(scheduler.takeCompletions()).isEmpty();

        clock.advance(Duration.ofSeconds(31));
        pump(scheduler, 1);

        ExecutionResult result = published.get(0).result().orElseThrow();
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.EXPIRED);
        assertThat(result.getError()).isEqualTo("deadline 2026-11-22T10:00:30Z passed before the request could start");
        assertThat(sandbox.runs).isEmpty();
    }

    @Test
    void retriesInfrastructureFaultsThenReportsError() {
        Scheduler scheduler = scheduler(1, 2);
        sandbox.failWith = new SandboxRuntimeException("start", "no space left on device", true, null);
        scheduler.add(records(List.of(record(P0, request("flaky", "0")))));

        pump(scheduler, 1);

        assertThat(sandbox.runs).hasSize(3);
        ExecutionResult result = published.get(0).result().orElseThrow();
        assertThat(result.getStatus()).isEqualTo(ExecutionStatus.ERROR);
        assertThat(result.getError()).contains("no space left on device");
    }

    @Test
    void revokedPartitionsRunIsNeitherCompletedNorCommitted() {
        Scheduler scheduler = scheduler(2, 0);
        sandbox.gate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "0")), record(P1, request("b", "0")))));
        scheduler.advance();
        await().until(() -> sandbox.runs.size() == 2);

        scheduler.revoked(List.of(P0));
        sandbox.gate.countDown();
        pump(scheduler, 1);
        scheduler.advance();

        assertThat(published).extracting(c -> c.result().orElseThrow().getRequestId()).containsExactly("b");
        assertThat(scheduler.busyPartitions()).isEmpty();
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
