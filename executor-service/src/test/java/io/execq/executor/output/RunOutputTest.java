package io.execq.executor.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.OutputListener.Stream;
import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import io.execq.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunOutputTest {

    private static final Duration FLUSH = Duration.ofMillis(100);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final AtomicInteger closes = new AtomicInteger();

    private RunOutput output(int chunkBytes, long maxBytes, long rate, int maxQueued) {
        return new RunOutput("req-1", 2, "run-1", new StreamBounds(chunkBytes, FLUSH, maxBytes, rate, maxQueued),
                clock, run -> closes.incrementAndGet());
    }

    @Test
    void sealsFullChunksAtOnceAndAPartlyFilledOneAfterTheFlushInterval() {
        RunOutput out = output(16 * 1024, 1L << 20, 1L << 20, 64);
        byte[] data = bytes(40 * 1024);
        out.output(Stream.STDOUT, data, 0, data.length);

        List<OutputChunk> now = out.drain(clock.instant());
        assertThat(now).extracting(c -> c.getData().remaining()).containsExactly(16 * 1024, 16 * 1024);
        clock.advance(FLUSH.minusMillis(1));
        assertThat(out.drain(clock.instant())).isEmpty();
        clock.advance(Duration.ofMillis(1));
        List<OutputChunk> later = out.drain(clock.instant());
        assertThat(later).extracting(c -> c.getData().remaining()).containsExactly(8 * 1024);

        List<OutputChunk> all = new ArrayList<>(now);
        all.addAll(later);
        assertThat(all).extracting(OutputChunk::getSequence).containsExactly(0L, 1L, 2L);
        assertThat(all).allSatisfy(c -> {
            assertThat(c.getRequestId()).isEqualTo("req-1");
            assertThat(c.getAttempt()).isEqualTo(2);
            assertThat(c.getRunId()).isEqualTo("run-1");
            assertThat(c.getDropped()).isZero();
            assertThat(c.getStream()).isEqualTo(OutputStream.STDOUT);
        });
        assertThat(concat(all)).isEqualTo(data);
    }

    @Test
    void aChunkHoldsOneStreamAndChunksKeepTheOrderTheBytesWereRead() {
        RunOutput out = output(1024, 1L << 20, 1L << 20, 64);
        out.output(Stream.STDOUT, "out1".getBytes(), 0, 4);
        out.output(Stream.STDERR, "err1".getBytes(), 0, 4);
        out.output(Stream.STDOUT, "out2".getBytes(), 0, 4);
        out.finish();

        List<OutputChunk> chunks = out.drain(clock.instant());
        assertThat(chunks).extracting(OutputChunk::getStream)
                .containsExactly(OutputStream.STDOUT, OutputStream.STDERR, OutputStream.STDOUT);
        assertThat(chunks).extracting(c -> new String(bytes(c))).containsExactly("out1", "err1", "out2");
        assertThat(out.done()).isTrue();
        out.output(Stream.STDOUT, "late".getBytes(), 0, 4);
        assertThat(out.drain(clock.instant())).isEmpty();
    }

    @Test
    void bytesOverTheRunsTotalAreDroppedAndTheFinalChunkCountsThem() {
        RunOutput out = output(1024, 1000, 1L << 20, 64);
        byte[] data = bytes(3000);
        out.output(Stream.STDOUT, data, 0, 1200);
        out.output(Stream.STDOUT, data, 1200, 1800);
        out.finish();

        List<OutputChunk> chunks = out.drain(clock.instant());
        assertThat(concat(chunks)).isEqualTo(Arrays.copyOf(data, 1000));
        assertThat(chunks.stream().mapToLong(OutputChunk::getDropped).sum()).isEqualTo(2000);
        assertThat(chunks).extracting(OutputChunk::getDropped).containsExactly(0L, 2000L);
        OutputChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.getData().remaining()).isZero();
        assertThat(out.acceptedBytes()).isEqualTo(1000);
    }

    @Test
    void theRateBoundAllowsABurstOfOneSecondThenRefillsWithTime() {
        RunOutput out = output(512, 1L << 20, 1024, 64);
        out.output(Stream.STDERR, bytes(4096), 0, 4096);
        assertThat(out.acceptedBytes()).isEqualTo(1024);
        clock.advance(Duration.ofMillis(500));
        out.output(Stream.STDERR, bytes(4096), 0, 4096);
        assertThat(out.acceptedBytes()).isEqualTo(1024 + 512);
        clock.advance(Duration.ofSeconds(10));
        out.output(Stream.STDERR, bytes(100), 0, 100);
        out.finish();

        List<OutputChunk> chunks = out.drain(clock.instant());
        assertThat(concat(chunks)).hasSize(1024 + 512 + 100);
        assertThat(chunks.stream().mapToLong(OutputChunk::getDropped).sum()).isEqualTo(3072 + 3584);
        // Each gap is counted by the chunk that starts after it.
        assertThat(chunks).extracting(c -> c.getData().remaining()).containsExactly(512, 512, 512, 100);
        assertThat(chunks).extracting(OutputChunk::getDropped).containsExactly(0L, 0L, 3072L, 3584L);
    }

    @Test
    void chunksThePublisherHasNotTakenWhenTheQueueIsFullAreDroppedAndCountedWithoutASequenceGap() {
        RunOutput out = output(10, 1L << 20, 1L << 20, 2);
        out.output(Stream.STDOUT, bytes(50), 0, 50);

        List<OutputChunk> first = out.drain(clock.instant());
        assertThat(first).hasSize(2).extracting(OutputChunk::getSequence).containsExactly(0L, 1L);
        out.output(Stream.STDOUT, bytes(5), 0, 5);
        out.finish();
        List<OutputChunk> rest = out.drain(clock.instant());
        assertThat(rest).hasSize(1);
        assertThat(rest.get(0).getSequence()).isEqualTo(2L);
        assertThat(rest.get(0).getDropped()).isEqualTo(30);
        assertThat(rest.get(0).getData().remaining()).isEqualTo(5);
    }

    @Test
    void aStreamWhoseBytesAreAllDroppedReportsItsCountWhileTheRunGoes() {
        RunOutput out = output(1024, 100, 1L << 20, 64);
        out.output(Stream.STDOUT, bytes(100), 0, 100);
        clock.advance(FLUSH);
        assertThat(out.drain(clock.instant())).hasSize(1);
        out.output(Stream.STDOUT, bytes(500), 0, 500);
        assertThat(out.drain(clock.instant())).isEmpty();
        clock.advance(RunOutput.DROP_REPORT_INTERVAL);

        List<OutputChunk> report = out.drain(clock.instant());
        assertThat(report).singleElement().satisfies(c -> {
            assertThat(c.getDropped()).isEqualTo(500);
            assertThat(c.getData().remaining()).isZero();
            assertThat(c.getSequence()).isEqualTo(1L);
        });
    }

    @Test
    void closeFinishesTheStreamAndTellsThePublisher() {
        RunOutput out = output(1024, 1L << 20, 1L << 20, 64);
        out.output(Stream.STDOUT, bytes(10), 0, 10);
        assertThat(out.done()).isFalse();
        out.close();
        assertThat(closes).hasValue(1);
        assertThat(out.drain(clock.instant())).hasSize(1);
        assertThat(out.done()).isTrue();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private static byte[] bytes(OutputChunk chunk) {
        ByteBuffer data = chunk.getData().duplicate();
        byte[] b = new byte[data.remaining()];
        data.get(b);
        return b;
    }

    private static byte[] concat(List<OutputChunk> chunks) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        chunks.forEach(c -> all.writeBytes(bytes(c)));
        return all.toByteArray();
    }
}
