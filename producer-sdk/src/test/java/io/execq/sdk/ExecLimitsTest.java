package io.execq.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecLimitsTest {

    private static final int MAX = (int) ExecLimits.LINUX_MAX_ARG_STRLEN - 1; // the longest string, NUL excluded

    @Test
    void aStringUpToMaxArgStrlenPasses() {
        assertThatCode(() -> ExecLimits.DEFAULT.check(List.of("python3", "-c", "x".repeat(MAX)), Map.of()))
                .doesNotThrowAnyException();
    }

    @Test
    void aStringOneByteOverMaxArgStrlenIsRefusedWithTheLimitAndWhatToDo() {
        assertThatThrownBy(() -> ExecLimits.DEFAULT.check(List.of("python3", "-c", "x".repeat(MAX + 1)), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command[2] is 131,072 bytes; the kernel refuses any single argument or environment "
                        + "string over 131,071 bytes (MAX_ARG_STRLEN): put the program in a file (request files) "
                        + "or pass it on stdin");
    }

    @Test
    void stringsAreMeasuredInUtf8Bytes() {
        String wide = "é".repeat(MAX / 2 + 1); // two bytes each
        assertThatThrownBy(() -> ExecLimits.DEFAULT.check(List.of("echo", wide), Map.of()))
                .hasMessageStartingWith("command[1] is 131,072 bytes");
    }

    @Test
    void anEnvironmentStringCountsNameEqualsValue() {
        String value = "v".repeat(MAX - 2); // "K=" + value is exactly the longest allowed string
        assertThatCode(() -> ExecLimits.DEFAULT.check(List.of("env"), Map.of("K", value)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ExecLimits.DEFAULT.check(List.of("env"), Map.of("KK", value)))
                .hasMessageStartingWith("env KK is 131,072 bytes");
    }

    @Test
    void theTotalOfArgvAndEnvIsHeldToHalfOfArgMax() {
        List<String> argv = new ArrayList<>(List.of("echo"));
        for (int i = 0; i < 9; i++) {
            argv.add("a".repeat(120_000)); // each under MAX_ARG_STRLEN, together over 1 MiB
        }
        assertThatThrownBy(() -> ExecLimits.DEFAULT.check(argv, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the limit is 1,048,576 bytes (half of the kernel's ARG_MAX of 2,097,152")
                .hasMessageContaining("put large data in a file (request files) or pass it on stdin");
        assertThatCode(() -> ExecLimits.DEFAULT.check(argv.subList(0, 8), Map.of())).doesNotThrowAnyException();
    }

    @Test
    void eachStringAlsoCostsItsNulAndPointer() {
        ExecLimits tiny = new ExecLimits(100, 24, 48);
        assertThatCode(() -> tiny.check(List.of("abc"), Map.of("K", "v"))).doesNotThrowAnyException(); // 12 + 12
        assertThatThrownBy(() -> tiny.check(List.of("abcd"), Map.of("K", "v"))).hasMessageContaining("need 25 bytes");
    }

    @Test
    void aHostWithASmallerArgMaxGetsHalfOfIt() {
        assertThat(ExecLimits.forArgMax(131_072).maxTotalBytes()).isEqualTo(65_536);
        assertThat(ExecLimits.forArgMax(64L << 20).maxTotalBytes()).isEqualTo(1 << 20);
    }

    @Test
    void theBuilderRefusesAProgramTooLongForOneArgument() {
        String program = "print(1)\n".repeat(40_000); // 360 KB, as an agent's python3 -c call
        assertThatThrownBy(() -> ExecutionRequests.command("python3", "-c", program)
                .timeout(Duration.ofSeconds(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("command[2] is 360,000 bytes")
                .hasMessageContaining("MAX_ARG_STRLEN");
    }
}
