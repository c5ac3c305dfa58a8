package io.execq.executor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void parsesSizesWithBinarySuffixes() {
        assertThat(Values.parseSize("512")).isEqualTo(512);
        assertThat(Values.parseSize("64k")).isEqualTo(64 << 10);
        assertThat(Values.parseSize("256m")).isEqualTo(256L << 20);
        assertThat(Values.parseSize("2G")).isEqualTo(2L << 30);
        assertThat(Values.parseSize("64MiB")).isEqualTo(64L << 20);
        assertThat(Values.parseSize("1mb")).isEqualTo(1L << 20);
    }

    @Test
    void refusesWhatIsNotASize() {
        assertThatThrownBy(() -> Values.parseSize("lots"))
                .hasMessage("'lots' is not a size (examples: 65536, 64k, 256m, 2g)");
        assertThatThrownBy(() -> Values.parseSize("-5m")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Values.parseSize("99999999999t")).hasMessage("'99999999999t' is too large");
    }

    @Test
    void parsesDurations() {
        assertThat(Values.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Values.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Values.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Values.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Values.parseDuration("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> Values.parseDuration("soon"))
                .hasMessage("'soon' is not a duration (examples: 500ms, 30s, 5m, 1h)");
    }

    @Test
    void parsesCpuAmounts() {
        assertThat(Values.parseMilliCpus("0.5")).isEqualTo(500);
        assertThat(Values.parseMilliCpus("2")).isEqualTo(2000);
        assertThat(Values.parseMilliCpus("250m")).isEqualTo(250);
        assertThatThrownBy(() -> Values.parseMilliCpus("many"))
                .hasMessage("'many' is not a CPU amount (examples: 0.5, 2, 500m)");
    }

    @Test
    void formatsSizesForMessages() {
        assertThat(Values.formatSize(6L << 20)).isEqualTo("6 MiB");
        assertThat(Values.formatSize(1536 * 1024)).isEqualTo("1536 KiB");
        assertThat(Values.formatSize(100)).isEqualTo("100 B");
    }
}
