package io.execq.executor.sandbox;

import java.util.List;
import java.util.Optional;

/**
 * What a run returned of its workspace ({@link CollectSpec}).
 *
 * @param files the regular files, sorted by path
 * @param dropped what matched and was not returned in full (over the file cap, a link, a FIFO...), for the
 *     result's {@code error}; empty when everything that matched came back whole
 */
public record CollectedArtifacts(List<CollectedFile> files, Optional<String> dropped) {

    /** Nothing collected, nothing dropped. */
    public static final CollectedArtifacts NONE = new CollectedArtifacts(List.of(), Optional.empty());

    public CollectedArtifacts {
        files = List.copyOf(files);
        java.util.Objects.requireNonNull(dropped, "dropped");
    }

    /** Nothing collected, for {@code reason}. */
    public static CollectedArtifacts notCollected(String reason) {
        return new CollectedArtifacts(List.of(), Optional.of(reason));
    }
}
