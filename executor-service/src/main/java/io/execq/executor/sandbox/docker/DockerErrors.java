package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.exception.DockerException;
import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxRuntimeException;
import io.execq.executor.sandbox.SandboxUnavailableException;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Translates docker-java's unchecked exceptions into the sandbox's typed hierarchy, keeping the daemon's message. */
final class DockerErrors {

    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private DockerErrors() {
    }

    static SandboxException translate(String stage, RuntimeException e) {
        if (e instanceof DockerException de) {
            return new SandboxRuntimeException(stage, daemonMessage(de), de.getHttpStatus() >= 500, e);
        }
        if (isConnectivity(e)) {
            return new SandboxUnavailableException("docker daemon unreachable during " + stage + ": " + rootMessage(e), e);
        }
        return new SandboxRuntimeException(stage, rootMessage(e), false, e);
    }

    /** True when the failure is about reaching the daemon (socket missing, refused, timed out). */
    static boolean isConnectivity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** The daemon's {@code message} field, or the exception's text when the body is not JSON. */
    static String daemonMessage(DockerException e) {
        String text = String.valueOf(e.getMessage());
        Matcher m = MESSAGE.matcher(text);
        return m.find() ? m.group(1).replace("\\\"", "\"") : text.strip();
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
