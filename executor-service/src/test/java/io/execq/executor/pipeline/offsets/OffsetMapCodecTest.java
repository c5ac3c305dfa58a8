package io.execq.executor.pipeline.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OffsetMapCodecTest {

    @Test
    void emptySetEncodesAsEmptyMetadata() {
        assertThat(OffsetMapCodec.encode(10, new OffsetRanges())).isEmpty();
        assertThat(OffsetMapCodec.decode(10, "").isEmpty()).isTrue();
    }

    @Test
    void roundTripsRunsAboveTheBase() {
        OffsetRanges completed = ranges(11, 12, 13, 20, 22, 23, 1_000_000);

        String metadata = OffsetMapCodec.encode(10, completed);

        assertThat(metadata).startsWith("xq1:");
        assertThat(OffsetMapCodec.decode(10, metadata).runsAbove(10)).containsExactly(
                new OffsetRanges.Run(11, 13), new OffsetRanges.Run(20, 20), new OffsetRanges.Run(22, 23),
                new OffsetRanges.Run(1_000_000, 1_000_000));
    }

    @Test
    void leavesOutOffsetsAtOrBelowTheBase() {
        OffsetRanges completed = ranges(3, 4, 5, 9);

        assertThat(OffsetMapCodec.decode(4, OffsetMapCodec.encode(4, completed)).runsAbove(4))
                .containsExactly(new OffsetRanges.Run(5, 5), new OffsetRanges.Run(9, 9));
    }

    @Test
    void randomSetsRoundTrip() {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            long base = random.nextInt(1_000_000);
            TreeSet<Long> expected = new TreeSet<>();
            OffsetRanges completed = new OffsetRanges();
            for (int i = 0; i < random.nextInt(200); i++) {
                long offset = base + 1 + random.nextInt(random.nextBoolean() ? 50 : 100_000);
                expected.add(offset);
                completed.add(offset);
            }
            OffsetRanges decoded = OffsetMapCodec.decode(base, OffsetMapCodec.encode(base, completed));
            TreeSet<Long> actual = new TreeSet<>();
            decoded.runsAbove(base).forEach(run -> {
                for (long o = run.first(); o <= run.last(); o++) {
                    actual.add(o);
                }
            });
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void foreignMetadataMeansNothingCompleted() {
        assertThat(OffsetMapCodec.decode(7, "committed by kafka-consumer-groups").isEmpty()).isTrue();
        assertThat(OffsetMapCodec.decode(7, null).isEmpty()).isTrue();
    }

    @Test
    void corruptMapIsRefused() {
        assertThatThrownBy(() -> OffsetMapCodec.decode(7, "xq1:gA")) // a varint that never ends
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt offset map");
        assertThatThrownBy(() -> OffsetMapCodec.decode(7, "xq1:AAA")) // a run of length 0
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt offset map");
    }

    private static OffsetRanges ranges(long... offsets) {
        OffsetRanges ranges = new OffsetRanges();
        for (long offset : offsets) {
            ranges.add(offset);
        }
        return ranges;
    }
}
