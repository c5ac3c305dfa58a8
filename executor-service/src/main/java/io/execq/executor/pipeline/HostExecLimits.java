package io.execq.executor.pipeline;

import io.execq.sdk.ExecLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This host's {@link ExecLimits}, from {@code getconf ARG_MAX}; the SDK's default when the host cannot say. */
public final class HostExecLimits {

    private static final Logger log = LoggerFactory.getLogger(HostExecLimits.class);

    private HostExecLimits() {
    }

    public static ExecLimits probe() {
        try {
            Process getconf = new ProcessBuilder("getconf", "ARG_MAX").redirectErrorStream(true).start();
            String out;
            try (InputStream in = getconf.getInputStream()) {
                out = new String(in.readNBytes(256), StandardCharsets.US_ASCII).strip();
            }
            if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return parse(out);
            }
            log.warn("getconf ARG_MAX failed ({}); holding requests to the default exec limits", out);
        } catch (IOException | NumberFormatException e) {
            log.warn("getconf ARG_MAX failed ({}); holding requests to the default exec limits", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExecLimits.DEFAULT;
    }

    static ExecLimits parse(String argMax) {
        long value = Long.parseLong(argMax.strip());
        return value > 0 ? ExecLimits.forArgMax(value) : ExecLimits.DEFAULT;
    }
}
