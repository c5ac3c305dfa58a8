package io.execq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FollowPrinterTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final FollowPrinter printer = new FollowPrinter(new PrintWriter(out), new PrintWriter(err));

    @Test
    void aCharacterSplitBetweenTwoChunksPrintsWhole() {
        byte[] euro = "a€b\n".getBytes(StandardCharsets.UTF_8);
        printer.onChunk(chunk("run-1", 0, OutputStream.STDOUT, Arrays.copyOfRange(euro, 0, 2), 0));
        printer.onChunk(chunk("run-1", 1, OutputStream.STDOUT, Arrays.copyOfRange(euro, 2, euro.length), 0));
        printer.flushPartial();

        assertThat(out.toString()).isEqualTo("a€b\n");
        assertThat(err.toString()).isEmpty();
        assertThat(printer.incomplete(euro.length)).isFalse();
    }

    @Test
    void stderrGoesToStderrAndDropsAndANewRunAreSaidInBrackets() {
        printer.onChunk(chunk("run-1", 0, OutputStream.STDOUT, bytes("first\n"), 0));
        printer.onChunk(chunk("run-1", 1, OutputStream.STDERR, bytes("oops\n"), 0));
        printer.onChunk(chunk("run-1", 2, OutputStream.STDOUT, bytes("later\n"), 1000));
        printer.onChunk(chunk("run-2", 0, OutputStream.STDOUT, bytes("first\n"), 0));

        assertThat(out.toString()).isEqualTo("first\nlater\nfirst\n");
        assertThat(err.toString()).isEqualTo("oops\n[execq: 1000 bytes of stdout not streamed]\n"
                + "[execq: the request started again on another run; its output follows from the start]\n");
        assertThat(printer.incomplete(6)).isTrue();
    }

    @Test
    void lessStreamedThanTheRunWroteIsIncomplete() {
        printer.onChunk(chunk("run-1", 0, OutputStream.STDOUT, bytes("part"), 0));

        assertThat(printer.incomplete(4)).isFalse();
        assertThat(printer.incomplete(5)).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static OutputChunk chunk(String runId, long sequence, OutputStream stream, byte[] data, long dropped) {
        return OutputChunk.newBuilder().setRequestId("req").setAttempt(1).setRunId(runId).setSequence(sequence)
                .setStream(stream).setData(ByteBuffer.wrap(data)).setAt(Instant.parse("2026-12-01T10:00:00Z"))
                .setDropped(dropped).build();
    }
}
