package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.EffectiveLimits;
import io.execq.schema.Limits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private final ImagePolicy images = new ImagePolicy("execq/busybox:latest",
            Map.of("python", "execq/python:3.11"), List.of("execq/*", "docker.io/library/python:3.*"));
    private final LimitPolicy limits = new LimitPolicy(
            new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20),
            new EffectiveLimits(600_000L, 2L << 30, 4000, 1024, 4L << 20));

    @Test
    void noImageMeansTheDefaultImage() throws Exception {
        assertThat(images.resolve(null)).isEqualTo("execq/busybox:latest");
        assertThat(images.resolve(" ")).isEqualTo("execq/busybox:latest");
    }

    @Test
    void aliasResolvesToItsImage() throws Exception {
        assertThat(images.resolve("python")).isEqualTo("execq/python:3.11");
    }

    @Test
    void globsMatchAcrossSlashesAndTags() throws Exception {
        assertThat(images.resolve("execq/anything/deep:tag")).isEqualTo("execq/anything/deep:tag");
        assertThat(images.resolve("docker.io/library/python:3.12")).isEqualTo("docker.io/library/python:3.12");
        assertThat(images.isAllowed("docker.io/library/python:2.7")).isFalse();
        assertThat(images.isAllowed("evil/execq/x")).isFalse();
    }

    @Test
    void imageOffTheAllowListIsRejectedNamingTheList() {
        assertThatThrownBy(() -> images.resolve("ubuntu:latest"))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("image 'ubuntu:latest' is not allowed; allowed: execq/*, docker.io/library/python:3.*;"
                        + " aliases: python");
    }

    @Test
    void noLimitsMeansTheDefaults() throws Exception {
        assertThat(limits.resolve(null)).isEqualTo(new EffectiveLimits(30_000L, 256L << 20, 1000, 128, 1L << 20));
    }

    @Test
    void missingFieldsTakeDefaultsAndExcessIsClampedToTheMaxima() throws Exception {
        Limits requested = new Limits(3_600_000L, null, 16_000, 10, 64L << 20);

        assertThat(limits.resolve(requested))
                .isEqualTo(new EffectiveLimits(600_000L, 256L << 20, 4000, 10, 4L << 20));
    }

    @Test
    void nonPositiveOrTinyLimitsAreRejected() {
        assertThatThrownBy(() -> limits.resolve(new Limits(0L, null, null, null, null)))
                .hasMessage("limits.timeoutMillis must be at least 1, got 0");
        assertThatThrownBy(() -> limits.resolve(new Limits(null, 1024L, null, null, null)))
                .hasMessage("limits.memoryBytes must be at least 6 MiB, got 1024");
        assertThatThrownBy(() -> limits.resolve(new Limits(null, null, null, -1, null)))
                .hasMessage("limits.pids must be at least 1, got -1");
    }
}
