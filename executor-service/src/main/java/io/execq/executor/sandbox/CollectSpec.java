package io.execq.executor.sandbox;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Objects;
import java.util.regex.PatternSyntaxException;

/**
 * Which files a run returns as artifacts and how many: workspace-relative globs ({@code java.nio} {@code glob:}
 * syntax: {@code *} within a name, {@code **} across directories, {@code {a,b}}, {@code [ab]}) and the caps
 * ({@code --max-artifact-files}, {@code --max-artifacts}). Only regular files are ever returned; see
 * {@link ArtifactCollector}.
 *
 * @param globs patterns; empty means nothing is collected
 * @param maxFiles most files listed in the result
 * @param maxBytes most content bytes over all files
 */
public record CollectSpec(List<String> globs, int maxFiles, long maxBytes) {

    /** Collects nothing. */
    public static final CollectSpec NONE = new CollectSpec(List.of(), 0, 0);

    public CollectSpec {
        globs = List.copyOf(Objects.requireNonNull(globs, "globs"));
        if (maxFiles < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("artifact caps must not be negative, got " + maxFiles + " files, "
                    + maxBytes + " bytes");
        }
        for (String glob : globs) {
            check(glob);
        }
    }

    /** Whether anything is to be collected. */
    public boolean any() {
        return !globs.isEmpty();
    }

    /** A matcher for workspace-relative paths ({@code a/b.txt}). */
    public PathMatcher matcher() {
        List<PathMatcher> matchers = globs.stream()
                .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
        return path -> matchers.stream().anyMatch(m -> m.matches(path));
    }

    /** Whether {@code relativePath} (slash-separated) matches one of the globs. */
    public boolean matches(PathMatcher matcher, String relativePath) {
        return !relativePath.isEmpty() && matcher.matches(Path.of(relativePath));
    }

    private static void check(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("collect pattern must not be blank");
        }
        if (glob.indexOf('\0') >= 0 || glob.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("collect pattern must not contain NUL or backslash, got '"
                    + glob.replace('\0', '?') + "'");
        }
        if (glob.startsWith("/")) {
            throw new IllegalArgumentException("collect pattern must be relative to the workspace, got '" + glob + "'");
        }
        for (String part : glob.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("collect pattern must not contain '..', got '" + glob + "'");
            }
        }
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("collect pattern '" + glob + "' is not a valid glob: "
                    + e.getDescription());
        }
    }
}
