package io.execq.executor.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Gathers one run's artifacts under its {@link CollectSpec}, whichever sandbox walks the workspace. The sandbox
 * offers every entry it finds without following links; this class decides what is kept:
 * <ul>
 *   <li>only paths matching a glob are considered; of those only regular files are read ({@link #regular}), every
 *       other kind (symbolic or hard link, FIFO, device, socket) is only named in {@link CollectedArtifacts#dropped()}
 *       ({@link #skipped});</li>
 *   <li>files are listed until {@code maxFiles}; the rest are counted as dropped;</li>
 *   <li>content is read until {@code maxBytes} over all files; the file that crosses the cap keeps its first bytes,
 *       later ones are listed with their size and no data, each marked truncated.</li>
 * </ul>
 * A listed file costs at most its path and its kept bytes in the result, so the caps bound the result's size.
 */
public final class ArtifactCollector {

    private static final int MAX_NAMED = 5;

    private final CollectSpec spec;
    private final PathMatcher matcher;
    private final List<CollectedFile> files = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private int overCount;
    private int truncated;
    private long bytesLeft;

    public ArtifactCollector(CollectSpec spec) {
        this.spec = spec;
        this.matcher = spec.matcher();
        this.bytesLeft = spec.maxBytes();
    }

    /** Whether the workspace-relative {@code path} matches one of the globs. */
    public boolean wants(String path) {
        return spec.matches(matcher, path);
    }

    /**
     * A matching regular file of {@code size} bytes; reads at most what the byte cap leaves from {@code content}
     * (which the caller closes).
     */
    public void regular(String path, long size, InputStream content) throws IOException {
        if (files.size() >= spec.maxFiles()) {
            overCount++;
            return;
        }
        int keep = (int) Math.min(size, bytesLeft);
        byte[] data = content.readNBytes(keep);
        bytesLeft -= data.length;
        boolean cut = data.length < size;
        if (cut) {
            truncated++;
        }
        files.add(new CollectedFile(path, data, size, cut));
    }

    /** A matching entry that is not a regular file: never read, only named. */
    public void skipped(String path, String kind) {
        skipped.add(path + " (" + kind + ")");
    }

    public CollectedArtifacts result() {
        List<String> notes = new ArrayList<>();
        if (overCount > 0) {
            notes.add(overCount + " matching files not returned: more than " + spec.maxFiles()
                    + " (--max-artifact-files)");
        }
        if (truncated > 0) {
            notes.add(truncated + " files truncated at " + spec.maxBytes() + " artifact bytes in all (--max-artifacts)");
        }
        if (!skipped.isEmpty()) {
            skipped.sort(Comparator.naturalOrder());
            notes.add(skipped.size() + " matching entries are not regular files and were not read: "
                    + String.join(", ", skipped.subList(0, Math.min(MAX_NAMED, skipped.size())))
                    + (skipped.size() > MAX_NAMED ? ", ..." : ""));
        }
        List<CollectedFile> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(CollectedFile::path));
        return new CollectedArtifacts(sorted, notes.isEmpty() ? Optional.empty()
                : Optional.of("artifacts: " + String.join("; ", notes)));
    }
}
