package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {

    @Test
    void exportsEveryDeadLetterReasonAtZeroBeforeTheFirstOne() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        new PipelineMetrics(registry);

        assertThat(registry.find("execq.dead.letters").counters())
                .extracting(c -> c.getId().getTag("reason"))
                .containsExactlyInAnyOrder("FAILED", "TIMED_OUT", "OOM_KILLED", "REJECTED", "EXPIRED", "ERROR",
                        "UNDECODABLE");
        assertThat(registry.find("execq.dead.letters").counters()).extracting(Counter::count).containsOnly(0.0);
    }
}
