package io.execq.sdk.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.schema.ExecutionRequest;
import io.execq.sdk.ExecutionRequests;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayRequestsTest {

    private static final Instant SUBMITTED = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-23T08:00:00.123456Z");

    @Test
    void replayGetsANewIdTheNextAttemptAndPointsAtTheOriginal() {
        ExecutionRequest original = ExecutionRequests.command("sh", "-c", "exit 4").requestId("orig")
                .submittedAt(SUBMITTED).label("team", "x").attempt(2).build();

        ExecutionRequest replay = ReplayRequests.replay(original, "new", NOW);

        assertThat(replay.getRequestId()).isEqualTo("new");
        assertThat(replay.getAttempt()).isEqualTo(3);
        assertThat(replay.getReplayOf()).isEqualTo("orig");
        assertThat(replay.getSubmittedAt()).isEqualTo(Instant.parse("2026-11-23T08:00:00.123Z"));
        assertThat(replay.getCommand()).isEqualTo(List.of("sh", "-c", "exit 4"));
        assertThat(replay.getLabels()).containsExactlyEntriesOf(java.util.Map.of("team", "x"));
        assertThat(replay.getDeadline()).isNull();
        assertThat(original.getRequestId()).isEqualTo("orig");
    }

    @Test
    void aDeadlineKeepsItsDistanceFromSubmission() {
        ExecutionRequest original = ExecutionRequests.command("true").requestId("orig").submittedAt(SUBMITTED)
                .deadline(SUBMITTED.plusSeconds(90)).build();

        ExecutionRequest replay = ReplayRequests.replay(original, "new", NOW);

        assertThat(replay.getDeadline()).isEqualTo(Instant.parse("2026-11-23T08:01:30.123Z"));
    }

    @Test
    void aRequestThatNoLongerValidatesIsRefused() {
        ExecutionRequest original = ExecutionRequest.newBuilder().setRequestId("orig").setSubmittedAt(SUBMITTED)
                .setCommand(List.of()).build();

        assertThatThrownBy(() -> ReplayRequests.replay(original, "new", NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("command must not be empty");
    }
}
