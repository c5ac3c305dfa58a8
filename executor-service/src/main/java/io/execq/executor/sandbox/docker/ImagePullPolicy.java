package io.execq.executor.sandbox.docker;

/** When the executor may pull an image ({@code --image-pull missing|never}). */
public enum ImagePullPolicy {
    /** Pull an image that is not present locally; use the local one otherwise. */
    MISSING,
    /** Never contact a registry: a missing image fails the run with {@code ImageUnavailableException}. */
    NEVER
}
