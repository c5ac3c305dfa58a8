package io.execq.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Spawns an argv with stdin from {@code /dev/null}, reads its output to the end and waits for its exit. */
final class Spawn {

    private static final File DEV_NULL = new File("/dev/null");

    private Spawn() {
    }

    /**
     * @return the output (stdout and stderr merged)
     * @throws IllegalStateException when the program exits non-zero, with the output in the message
     */
    static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL)).start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(argv.get(0) + " exited with " + exit + ": " + output.strip());
        }
        return output;
    }
}
