package io.execq.executor.sandbox;

import java.util.Arrays;
import java.util.Objects;

/**
 * One regular file a run returned.
 *
 * @param path workspace-relative path
 * @param data the bytes kept (all of them unless {@code truncated})
 * @param size the file's size when it was read
 * @param truncated whether {@code data} holds less than {@code size} bytes (the artifact byte cap)
 */
public record CollectedFile(String path, byte[] data, long size, boolean truncated) {

    public CollectedFile {
        Objects.requireNonNull(path, "path");
        data = Objects.requireNonNull(data, "data").clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CollectedFile f && f.path.equals(path) && f.size == size && f.truncated == truncated
                && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, size, truncated, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "CollectedFile[" + path + ", " + data.length + "/" + size + " bytes" + (truncated ? ", truncated" : "")
                + "]";
    }
}
