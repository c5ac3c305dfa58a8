package io.execq.executor.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Validation of paths that must stay inside a run's workspace. The workspace's absolute location differs per
 * sandbox (a volume in the container, a temp dir on the host), so specs only carry relative paths.
 */
final class WorkspacePath {

    private WorkspacePath() {
    }

    /**
     * Returns {@code raw} as a normalised relative path ({@code ""} for the workspace itself).
     *
     * @throws IllegalArgumentException when it is absolute, contains {@code ..}, a NUL or a backslash
     */
    static String normalise(String raw, String what) {
        Objects.requireNonNull(raw, what);
        if (raw.startsWith("/")) {
            throw new IllegalArgumentException(what + " must be relative to the workspace, got absolute path '" + raw + "'");
        }
        if (raw.indexOf('\0') >= 0 || raw.indexOf('\\') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL or backslash, got '" + raw + "'");
        }
        List<String> parts = new ArrayList<>();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException(what + " must not escape the workspace with '..', got '" + raw + "'");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }
}
