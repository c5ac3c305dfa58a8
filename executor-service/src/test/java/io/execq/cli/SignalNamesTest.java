package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalNamesTest {

    @Test
    void namesStandardAndRealTimeSignals() {
        assertThat(SignalNames.name(11)).isEqualTo("SIGSEGV");
        assertThat(SignalNames.name(9)).isEqualTo("SIGKILL");
        assertThat(SignalNames.name(31)).isEqualTo("SIGSYS");
        assertThat(SignalNames.name(34)).isEqualTo("SIGRTMIN");
        assertThat(SignalNames.name(40)).isEqualTo("SIGRTMIN+6");
        assertThat(SignalNames.name(99)).isEqualTo("signal 99");
    }
}
