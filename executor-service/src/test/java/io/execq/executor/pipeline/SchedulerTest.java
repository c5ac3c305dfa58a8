package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.execq.executor.pipeline.offsets.OffsetMapCodec;
import io.execq.executor.pipeline.offsets.OffsetRanges;
import io.execq.executor.sandbox.Route;
import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.testing.MutableClock;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new ArrayList<>();
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
        return scheduler(concurrency, retries, runsPerSecond, SchedulingPolicy.unordered(concurrency));
    }

    private Scheduler scheduler(int concurrency, SchedulingPolicy policy) {
        return scheduler(concurrency, 0, 1000, policy);
    }

    private Scheduler scheduler(int concurrency, int retries, int runsPerSecond, SchedulingPolicy policy) {
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
                metrics, policy);
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
            CommitBatch batch = scheduler.takeCompletions();
            published.addAll(batch.completions());
            commits.add(batch.offsets());
            scheduler.committed(batch);
            return published.size() >= expectedCompletions;
        });
    }

    @Test
    void partitionOrderingRunsAtMostOneRecordPerPartitionAtATime() {
        Scheduler scheduler = scheduler(4, SchedulingPolicy.partitionOrder());
        sandbox.gate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "0")), record(P0, request("b", "1")),
                record(P0, request("c", "0")))));

        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 1);
        assertThat(scheduler.inFlight()).isEqualTo(1);
        assertThat(scheduler.partitionsToPause()).containsExactly(P0);

        sandbox.gate.countDown();
        pump(scheduler, 3);
        assertThat(published).extracting(c -> c.result().orElseThrow().getRequestId())
                .containsExactly("a", "b", "c");
        assertThat(published).extracting(Completion::offset).containsExactly(0L, 1L, 2L);
        assertThat(published).extracting(c -> c.result().orElseThrow().getStatus())
                .containsExactly(ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.SUCCEEDED);
        assertThat(scheduler.partitionsToPause()).isEmpty();
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
        assertThat(scheduler.queued()).as("fetched, not started").isEqualTo(1);
        assertThat(scheduler.partitionsToPause()).containsExactlyInAnyOrder(P0, P1);

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
        assertThat(scheduler.partitionsToPause()).as("the running partition has room in its window; the other "
                + "partition's request waits for a permit").containsExactly(P1);
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
        assertThat(scheduler.takeCompletions().completions()).isEmpty();

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
        assertThat(scheduler.partitionsToPause()).isEmpty();
    }

    @Test
    void windowRunsRecordsOfOnePartitionConcurrentlyUpToItsSize() {
        Scheduler scheduler = scheduler(8, SchedulingPolicy.unordered(2));
        sandbox.holdGate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("a", "hold")), record(P0, request("b", "hold")),
                record(P0, request("c", "0")))));

        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 2);
        assertThat(scheduler.inFlight()).isEqualTo(2);
        assertThat(scheduler.partitionsToPause()).containsExactly(P0);
        sandbox.holdGate.countDown();
        pump(scheduler, 3);
        assertThat(sandbox.runs).hasSize(3);
    }

    @Test
    void shortRunsOvertakeALongRunAndTravelInTheOffsetMap() {
        Scheduler scheduler = scheduler(4, SchedulingPolicy.unordered(4));
        sandbox.holdGate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, request("long", "hold")), record(P0, request("s1", "0")),
                record(P0, request("s2", "0")))));

        pump(scheduler, 2);

        assertThat(published).extracting(Completion::offset).containsExactlyInAnyOrder(1L, 2L);
        OffsetAndMetadata last = lastCommit(P0);
        assertThat(last.offset()).as("low-water mark: the long run").isEqualTo(0L);
        assertThat(decodedRuns(last)).containsExactly(new OffsetRanges.Run(1, 2));
        assertThat(scheduler.partitionsToPause()).as("window has room").doesNotContain(P0);

        sandbox.holdGate.countDown();
        pump(scheduler, 3);
        assertThat(lastCommit(P0)).isEqualTo(new OffsetAndMetadata(3, ""));
    }

    @Test
    void newOwnerSkipsWhatTheCommittedOffsetMapNamesCompleted() {
        Scheduler scheduler = scheduler(4, SchedulingPolicy.unordered(4));
        OffsetRanges done = new OffsetRanges();
        done.add(1);
        done.add(2);
        scheduler.assigned(List.of(P0), Map.of(P0, new OffsetAndMetadata(0, OffsetMapCodec.encode(0, done))));
        scheduler.add(records(List.of(record(P0, request("r0", "0")), record(P0, request("r1", "0")),
                record(P0, request("r2", "0")), record(P0, request("r3", "0")))));

        pump(scheduler, 2);
        scheduler.advance();

        assertThat(published).extracting(c -> c.result().orElseThrow().getRequestId())
                .containsExactlyInAnyOrder("r0", "r3");
        assertThat(sandbox.runs).hasSize(2);
        assertThat(lastCommit(P0)).isEqualTo(new OffsetAndMetadata(4, ""));
    }

    @Test
    void rewindAfterAnAbortedTransactionReReadsExactlyTheRecordsNotCommitted() {
        Scheduler scheduler = scheduler(4, SchedulingPolicy.unordered(4));
        sandbox.holdGate = new CountDownLatch(1);
        List<ConsumerRecord<String, byte[]>> fetched = List.of(record(P0, request("r0", "hold")),
                record(P0, request("r1", "0")), record(P0, request("r2", "0")));
        scheduler.add(records(fetched));
        pump(scheduler, 2); // r1 and r2 committed above the low-water mark 0
        List<ConsumerRecord<String, byte[]>> more = List.of(record(P0, request("r3", "0")),
                record(P0, request("r4", "0")));
        scheduler.add(records(more));
        // r3 and r4 finish on workers: take their completions as they are reported (a run counts in sandbox.runs
        // from its start, before its outcome is reported), all into the transaction that is then aborted.
        List<Completion> aborted = new ArrayList<>();
        await().until(() -> {
            scheduler.advance();
            aborted.addAll(scheduler.takeCompletions().completions());
            return sandbox.runs.size() == 5 && aborted.size() >= 2;
        });
        assertThat(aborted).extracting(Completion::offset).containsExactlyInAnyOrder(3L, 4L);

        assertThat(scheduler.rewind(P0)).hasValue(0L);
        sandbox.runs.clear();
        List<ConsumerRecord<String, byte[]>> reread = new ArrayList<>(fetched);
        reread.addAll(more);
        scheduler.add(records(reread)); // what the broker returns after the seek
        sandbox.holdGate.countDown();
        published.clear();
        pump(scheduler, 3);

        assertThat(published).extracting(Completion::offset).containsExactlyInAnyOrder(0L, 3L, 4L);
        assertThat(sandbox.runs).as("r1 and r2 were committed: not run again").hasSize(3);
        assertThat(lastCommit(P0)).isEqualTo(new OffsetAndMetadata(5, ""));
    }

    @Test
    void fullOffsetMapStopsAdmissionUntilTheLowWaterMarkMoves() {
        Scheduler scheduler = scheduler(64, SchedulingPolicy.unordered(64));
        sandbox.holdGate = new CountDownLatch(1);
        List<ConsumerRecord<String, byte[]>> list = new ArrayList<>();
        list.add(record(P0, request("long", "hold"), 0));
        for (int i = 1; i <= 600; i++) {
            list.add(record(P0, request("s" + i, "0"), (long) i << 30)); // far apart: every completion is a run
        }
        scheduler.add(records(list));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
            scheduler.advance();
            CommitBatch batch = scheduler.takeCompletions();
            published.addAll(batch.completions());
            commits.add(batch.offsets());
            scheduler.committed(batch);
            return scheduler.inFlight() == 1 && published.size() > 100 && batch.isEmpty();
        });
        int admitted = published.size();
        assertThat(admitted).as("stopped before the map outgrew the broker's limit").isLessThan(600);
        assertThat(scheduler.partitionsToPause()).contains(P0);
        assertThat(commits).allSatisfy(commit -> commit.values().forEach(point ->
                assertThat(point.metadata().length()).isLessThanOrEqualTo(OffsetMapCodec.MAX_METADATA_CHARS)));

        sandbox.holdGate.countDown();
        pump(scheduler, 601);
        assertThat(lastCommit(P0).offset()).isEqualTo((600L << 30) + 1);
    }

    @Test
    void freeSlotsGoRoundRobinAcrossPartitions() {
        Scheduler scheduler = scheduler(1, SchedulingPolicy.unordered(1));
        scheduler.add(records(List.of(record(P0, request("p0-a", "0")), record(P0, request("p0-b", "0")),
                record(P0, request("p0-c", "0")), record(P1, request("p1-a", "0")), record(P1, request("p1-b", "0")),
                record(P1, request("p1-c", "0")))));

        pump(scheduler, 6);

        assertThat(published).extracting(c -> c.result().orElseThrow().getRequestId())
                .containsExactly("p0-a", "p1-a", "p0-b", "p1-b", "p0-c", "p1-c");
    }

    @Test
    void fairShareStartsTheLabelValueWithFewestRunsFirst() {
        Scheduler scheduler = scheduler(2, new SchedulingPolicy(SchedulingPolicy.Ordering.UNORDERED, 8,
                java.util.Optional.of("tenant")));
        sandbox.holdGate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, tenant("a1", "A")), record(P0, tenant("a2", "A")),
                record(P0, tenant("a3", "A")), record(P0, tenant("b1", "B")))));

        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 2);
        assertThat(sandbox.runs).extracting(SandboxSpec::requestId).containsExactlyInAnyOrder("a1", "b1");
        sandbox.holdGate.countDown();
        pump(scheduler, 4);
    }

    @Test
    void withoutFairShareABurstOfOneLabelTakesTheSlotsInOffsetOrder() {
        Scheduler scheduler = scheduler(2, SchedulingPolicy.unordered(8));
        sandbox.holdGate = new CountDownLatch(1);
        scheduler.add(records(List.of(record(P0, tenant("a1", "A")), record(P0, tenant("a2", "A")),
                record(P0, tenant("a3", "A")), record(P0, tenant("b1", "B")))));

        scheduler.advance();

        await().until(() -> sandbox.runs.size() == 2);
        assertThat(sandbox.runs).extracting(SandboxSpec::requestId).containsExactlyInAnyOrder("a1", "a2");
        sandbox.holdGate.countDown();
        pump(scheduler, 4);
    }

    private static ExecutionRequest tenant(String id, String tenant) {
        return ExecutionRequest.newBuilder(request(id, "hold")).setLabels(Map.of("tenant", tenant)).build();
    }

    private ConsumerRecord<String, byte[]> record(TopicPartition tp, ExecutionRequest request, long offset) {
        byte[] bytes = new ExecutionRequestSerializer().serialize(tp.topic(), request);
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, request.getRequestId(), bytes);
    }

    private OffsetAndMetadata lastCommit(TopicPartition tp) {
        for (int i = commits.size() - 1; i >= 0; i--) {
            if (commits.get(i).containsKey(tp)) {
                return commits.get(i).get(tp);
            }
        }
        throw new AssertionError("no commit of " + tp);
    }

    private static List<OffsetRanges.Run> decodedRuns(OffsetAndMetadata point) {
        return OffsetMapCodec.decode(point.offset(), point.metadata()).runsAbove(point.offset());
    }
}
