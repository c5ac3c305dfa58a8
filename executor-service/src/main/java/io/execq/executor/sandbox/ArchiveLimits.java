package io.execq.executor.sandbox;

/**
 * What one workspace archive may hold ({@code --max-archive-entries}, {@code --max-archive-bytes}).
 *
 * @param maxEntries most entries (files and directories)
 * @param maxBytes most bytes of file content once decompressed
 */
public record ArchiveLimits(int maxEntries, long maxBytes) {

    /** 10,000 entries, 512 MiB (the default workspace cap). */
    public static final ArchiveLimits DEFAULT = new ArchiveLimits(10_000, 512L << 20);

    public ArchiveLimits {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
        }
    }
}
