package io.execq.sdk.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayFilterTest {

    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    private static DeadLetter deadLetter(String requestId, String reason, Instant failedAt) {
        return new DeadLetter("dlt", 0, 7, requestId, requestId, reason, "", failedAt, null);
    }

    @Test
    void matchesReasonsCaseInsensitively() {
        ReplayFilter filter = ReplayFilter.all().withReasons(Set.of("failed", "TIMED_OUT"));

        assertThat(filter.matches(deadLetter("a", "FAILED", T))).isTrue();
        assertThat(filter.matches(deadLetter("a", "TIMED_OUT", T))).isTrue();
        assertThat(filter.matches(deadLetter("a", "REJECTED", T))).isFalse();
    }

    @Test
    void aRequestIdFilterNeverMatchesAnUndecodableRecordWithoutId() {
        ReplayFilter filter = ReplayFilter.all().withRequestIds(Set.of("a"));

        assertThat(filter.matches(deadLetter(null, "UNDECODABLE", T))).isFalse();
        assertThat(filter.matches(deadLetter("a", "FAILED", T))).isTrue();
        assertThat(filter.matches(deadLetter("b", "FAILED", T))).isFalse();
    }

    @Test
    void sinceIsInclusiveAndUntilExclusive() {
        ReplayFilter filter = ReplayFilter.all().between(T, T.plusSeconds(60));

        assertThat(filter.matches(deadLetter("a", "FAILED", T))).isTrue();
        assertThat(filter.matches(deadLetter("a", "FAILED", T.minusMillis(1)))).isFalse();
        assertThat(filter.matches(deadLetter("a", "FAILED", T.plusSeconds(60)))).isFalse();
        assertThat(filter.matches(deadLetter("a", "FAILED", null))).isFalse();
    }

    @Test
    void refusesANegativeLimitAndAnUntilNotAfterSince() {
        assertThatThrownBy(() -> ReplayFilter.all().withLimit(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must not be negative, got -1");
        assertThatThrownBy(() -> ReplayFilter.all().between(T, T))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("until (2026-11-22T10:00:00Z) must be after since (2026-11-22T10:00:00Z)");
    }
}
