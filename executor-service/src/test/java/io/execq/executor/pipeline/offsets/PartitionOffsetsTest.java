package io.execq.executor.pipeline.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class PartitionOffsetsTest {

    @Test
    void commitsTheLowestIncompleteRecordAndTheCompletedOnesAboveIt() {
        PartitionOffsets offsets = PartitionOffsets.fromCommitted(new OffsetAndMetadata(40));
        for (long o = 40; o <= 46; o++) {
            offsets.accept(o);
        }
        offsets.completed(41);
        offsets.completed(43);
        offsets.completed(44);

        OffsetAndMetadata point = offsets.commitPoint();

        assertThat(point.offset()).isEqualTo(40);
        assertThat(OffsetMapCodec.decode(40, point.metadata()).runsAbove(40))
                .containsExactly(new OffsetRanges.Run(41, 41), new OffsetRanges.Run(43, 44));
    }

    @Test
    void aNewOwnerSkipsWhatTheMapNamesAndCommitsPastIt() {
        PartitionOffsets first = PartitionOffsets.fromCommitted(new OffsetAndMetadata(40));
        for (long o = 40; o <= 46; o++) {
            first.accept(o);
        }
        first.completed(41);
        first.completed(43);
        OffsetAndMetadata committed = first.commitPoint();

        PartitionOffsets next = PartitionOffsets.fromCommitted(committed);
        List<Long> run = new ArrayList<>();
        for (long o = 40; o <= 46; o++) {
            if (next.accept(o)) {
                run.add(o);
            }
        }

        assertThat(run).containsExactly(40L, 42L, 44L, 45L, 46L);
        run.forEach(next::completed);
        assertThat(next.commitPoint()).isEqualTo(new OffsetAndMetadata(47, ""));
    }

    @Test
    void rewindGoesBackToTheLastCommitAndForgetsUncommittedCompletions() {
        PartitionOffsets offsets = PartitionOffsets.fromCommitted(null);
        for (long o = 0; o <= 5; o++) {
            offsets.accept(o);
        }
        offsets.completed(1);
        offsets.completed(2);
        offsets.committed(offsets.commitPoint()); // commit: 0, {1, 2}
        offsets.completed(4); // in a transaction that aborts

        assertThat(offsets.rewind()).hasValue(0);

        List<Long> again = new ArrayList<>();
        for (long o = 0; o <= 5; o++) {
            if (offsets.accept(o)) {
                again.add(o);
            }
        }
        assertThat(again).containsExactly(0L, 3L, 4L, 5L);
    }

    @Test
    void rewindWithNothingCommittedGoesBackToTheFirstFetchedRecord() {
        PartitionOffsets offsets = PartitionOffsets.fromCommitted(null);
        offsets.accept(7);
        offsets.accept(8);
        offsets.completed(8);

        assertThat(offsets.rewind()).hasValue(7);
        assertThat(PartitionOffsets.fromCommitted(null).rewind()).isEmpty();
    }

    @Test
    void gapsOfTransactionMarkersDoNotHoldTheLowWaterMark() {
        PartitionOffsets offsets = PartitionOffsets.fromCommitted(new OffsetAndMetadata(10));
        offsets.accept(10);
        offsets.accept(12); // 11 is a transaction marker: never fetched
        offsets.completed(10);
        offsets.completed(12);

        assertThat(offsets.commitPoint()).isEqualTo(new OffsetAndMetadata(13, ""));
    }

    @Test
    void admissionKeepsTheMapWithinTheBrokersLimitHoweverRunsComplete() {
        Random random = new Random(7);
        PartitionOffsets offsets = PartitionOffsets.fromCommitted(new OffsetAndMetadata(0));
        offsets.accept(0); // a long run holds the low-water mark
        List<Long> pending = new ArrayList<>();
        long next = 1;
        int refused = 0;
        for (int step = 0; step < 20_000; step++) {
            long candidate = next + random.nextInt(1 << 20); // sparse: every completion is a run of its own
            if (offsets.mayAdmit(candidate, pending)) {
                offsets.accept(candidate);
                pending.add(candidate);
                next = candidate + 1;
            } else {
                refused++;
            }
            if (!pending.isEmpty() && random.nextInt(3) == 0) {
                offsets.completed(pending.remove(random.nextInt(pending.size())));
            }
            assertThat(offsets.commitPoint().metadata().length())
                    .isLessThanOrEqualTo(OffsetMapCodec.MAX_METADATA_CHARS);
        }
        assertThat(refused).as("the limit was reached").isPositive();
        pending.forEach(offsets::completed);
        assertThat(offsets.commitPoint().metadata().length()).isLessThanOrEqualTo(OffsetMapCodec.MAX_METADATA_CHARS);

        offsets.completed(0);
        assertThat(offsets.mayAdmit(next, List.of())).as("the low-water mark moved: room again").isTrue();
    }
}
