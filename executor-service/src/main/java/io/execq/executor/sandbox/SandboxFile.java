package io.execq.executor.sandbox;

import java.util.Arrays;
import java.util.Objects;

/**
 * One file placed in the run's workspace before the program starts, owned by the run user.
 *
 * @param path a relative path inside the workspace, normalised ({@code a/b.txt}); never absolute, never
 *     escaping the workspace with {@code ..}
 * @param content the bytes of the file (copied; the record never exposes its internal array)
 * @param executable whether the file gets the execute bit ({@code 0755} rather than {@code 0644})
 */
public record SandboxFile(String path, byte[] content, boolean executable) {

    public SandboxFile {
        path = WorkspacePath.normalise(path, "file path");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("file path must name a file inside the workspace, got the workspace itself");
        }
        content = Objects.requireNonNull(content, "content").clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    /** The size in bytes, without copying the content. */
    public int size() {
        return content.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SandboxFile f && f.path.equals(path) && f.executable == executable
                && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, executable, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "SandboxFile[" + path + ", " + content.length + " bytes" + (executable ? ", executable" : "") + "]";
    }
}
