package io.execq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BenchScheduleTest {

    @Test
    void seriesTakeTurnsInAnOrderThatRotatesEveryRound() {
        List<Schedule.Batch> batches = Schedule.batches(3, 6, 3);

        assertThat(batches).extracting(Schedule.Batch::series).containsExactly(0, 1, 2, 1, 2, 0, 2, 0, 1);
        assertThat(batches).extracting(Schedule.Batch::round).containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2);
        assertThat(batches).extracting(Schedule.Batch::samples).containsOnly(2);
    }

    @Test
    void everySeriesGetsExactlyTheRequestedSamplesWhenTheyDoNotDivideEvenly() {
        List<Schedule.Batch> batches = Schedule.batches(4, 50, 3);

        Map<Integer, Integer> perSeries = batches.stream()
                .collect(Collectors.groupingBy(Schedule.Batch::series, Collectors.summingInt(Schedule.Batch::samples)));
        assertThat(perSeries).containsOnlyKeys(0, 1, 2, 3).allSatisfy((series, samples) ->
                assertThat(samples).isEqualTo(50));
        assertThat(batches).extracting(Schedule.Batch::samples).containsOnly(17, 16);
    }

    @Test
    void noSeriesGoesFirstInTwoConsecutiveRounds() {
        List<Schedule.Batch> batches = Schedule.batches(4, 40, 4);

        assertThat(List.of(batches.get(0), batches.get(4), batches.get(8), batches.get(12)))
                .extracting(Schedule.Batch::series).containsExactly(0, 1, 2, 3);
    }

    @Test
    void latencyScenarioRunsOneAtATimeAndHolRunsOneBatchPerLevel() {
        BenchPlan latency = new BenchPlan(Scenario.LATENCY, 10, List.of(1, 4, 16), 0, 5);
        BenchPlan hol = new BenchPlan(Scenario.HOL, 10, List.of(1, 4), 0, 5);

        assertThat(latency.concurrency()).containsExactly(1);
        assertThat(latency.rounds()).isEqualTo(5);
        assertThat(hol.rounds()).isEqualTo(1);
        assertThat(hol.maxConcurrency()).isEqualTo(4);
    }
}
