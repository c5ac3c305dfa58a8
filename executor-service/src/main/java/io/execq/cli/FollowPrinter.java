package io.execq.cli;

import io.execq.schema.OutputChunk;
import io.execq.schema.OutputStream;
import io.execq.sdk.OutputListener;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code execq submit --follow}: prints stdout chunks to {@code out} and stderr chunks to {@code err} as they come,
 * decoded as UTF-8 across chunk boundaries (a character split between two chunks prints whole). What the stream left
 * out is said on {@code err}, in brackets: bytes dropped by the executor's bounds, and a new run (an executor failed
 * and another started the request again: its output follows from the start).
 */
final class FollowPrinter implements OutputListener {

    private final PrintWriter out;
    private final PrintWriter err;
    private final Decoder stdout = new Decoder();
    private final Decoder stderr = new Decoder();
    private String runId;
    private long printedStdout;
    private long dropped;
    private boolean restarted;

    FollowPrinter(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void onChunk(OutputChunk chunk) {
        if (runId != null && !Objects.equals(runId, chunk.getRunId())) {
            flushPartial();
            restarted = true;
            err.println("[execq: the request started again on another run; its output follows from the start]");
            err.flush();
        }
        runId = chunk.getRunId();
        boolean isErr = chunk.getStream() == OutputStream.STDERR;
        PrintWriter target = isErr ? err : out;
        if (chunk.getDropped() > 0) {
            dropped += chunk.getDropped();
            err.printf("[execq: %d bytes of %s not streamed]%n", chunk.getDropped(), isErr ? "stderr" : "stdout");
            err.flush();
        }
        ByteBuffer data = chunk.getData().duplicate();
        if (!isErr) {
            printedStdout += data.remaining();
        }
        target.print((isErr ? stderr : stdout).decode(data, false));
        target.flush();
    }

    /** Prints the characters an unfinished UTF-8 sequence held back (the result arrived). */
    void flushPartial() {
        out.print(stdout.decode(ByteBuffer.allocate(0), true));
        err.print(stderr.decode(ByteBuffer.allocate(0), true));
        out.flush();
        err.flush();
    }

    /**
     * Whether what was printed differs from the run's output: bytes dropped or lost, or a run that started again
     * (its output printed twice, in part).
     */
    boolean incomplete(long stdoutTotalBytes) {
        return dropped > 0 || restarted || printedStdout < stdoutTotalBytes;
    }

    private static final class Decoder {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer carry = ByteBuffer.allocate(0);

        String decode(ByteBuffer data, boolean end) {
            ByteBuffer input = ByteBuffer.allocate(carry.remaining() + data.remaining()).put(carry).put(data).flip();
            CharBuffer chars = CharBuffer.allocate(input.remaining() + 1);
            decoder.decode(input, chars, end);
            if (end) {
                decoder.flush(chars);
                decoder.reset();
            }
            carry = ByteBuffer.allocate(input.remaining()).put(input).flip();
            return chars.flip().toString();
        }
    }
}
