package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedOutputTest {

    @Test
    void keepsEverythingBelowTheCap() {
        BoundedOutput out = new BoundedOutput(10);
        out.write(new byte[] {1, 2, 3}, 0, 3);

        assertThat(out.snapshot()).isEqualTo(new CapturedStream(new byte[] {1, 2, 3}, 3, false));
    }

    @Test
    void keepsExactlyTheCapAndCountsEveryByte() {
        BoundedOutput out = new BoundedOutput(4);
        out.write(new byte[] {1, 2, 3}, 0, 3);
        out.write(new byte[] {4, 5, 6}, 0, 3);
        out.write(7);

        CapturedStream captured = out.snapshot();
        assertThat(captured.kept()).containsExactly(1, 2, 3, 4);
        assertThat(captured.totalBytes()).isEqualTo(7);
        assertThat(captured.truncated()).isTrue();
    }

    @Test
    void isNotTruncatedWhenOutputEndsExactlyAtTheCap() {
        BoundedOutput out = new BoundedOutput(3);
        out.write(new byte[] {1, 2, 3}, 0, 3);

        assertThat(out.snapshot().truncated()).isFalse();
    }

    @Test
    void countsAFloodWithoutKeepingIt() {
        BoundedOutput out = new BoundedOutput(0);
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 1000; i++) {
            out.write(chunk, 0, chunk.length);
        }

        assertThat(out.snapshot().kept()).isEmpty();
        assertThat(out.totalBytes()).isEqualTo(65_536_000L);
    }

    @Test
    void honoursOffsetAndLength() {
        BoundedOutput out = new BoundedOutput(10);
        out.write(new byte[] {9, 1, 2, 9}, 1, 2);

        assertThat(out.snapshot().kept()).containsExactly(1, 2);
    }
}
