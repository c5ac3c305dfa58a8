package io.execq.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The output tap of {@link RunControl}: the captured output is the same with or without a listener. */
class RunControlOutputTest {

    @Test
    void withoutAListenerThePumpWritesStraightIntoTheCapture() {
        BoundedOutput sink = new BoundedOutput(10);

        assertThat(RunControl.none().tap(OutputListener.Stream.STDOUT, sink)).isSameAs(sink);
    }

    @Test
    void aListenerSeesWhatIsCapturedAndEveryByteBeyondTheCap() throws Exception {
        RunControl control = RunControl.none();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        control.listenOutput((stream, data, offset, length) -> {
            assertThat(stream).isEqualTo(OutputListener.Stream.STDERR);
            seen.write(data, offset, length);
        });
        BoundedOutput sink = new BoundedOutput(4);

        OutputStream tap = control.tap(OutputListener.Stream.STDERR, sink);
        tap.write("hello".getBytes(StandardCharsets.UTF_8), 0, 5);
        tap.write('!');

        assertThat(sink.snapshot()).isEqualTo(new CapturedStream("hell".getBytes(StandardCharsets.UTF_8), 6, true));
        assertThat(seen.toString(StandardCharsets.UTF_8)).isEqualTo("hello!");
    }

    @Test
    void aFailingListenerChangesNothingInTheCapture() throws Exception {
        RunControl control = RunControl.none();
        control.listenOutput((stream, data, offset, length) -> {
            throw new IllegalStateException("listener broke");
        });
        BoundedOutput sink = new BoundedOutput(100);

        control.tap(OutputListener.Stream.STDOUT, sink).write("kept".getBytes(StandardCharsets.UTF_8), 0, 4);

        assertThat(sink.snapshot().text()).isEqualTo("kept");
    }
}
