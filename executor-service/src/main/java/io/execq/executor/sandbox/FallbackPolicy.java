package io.execq.executor.sandbox;

/** The executor's rule for running code outside a container ({@code --fallback process|none}). */
public enum FallbackPolicy {
    /** {@code PREFER_CONTAINER} requests fall back to the process sandbox while Docker is down; {@code PROCESS} requests run. */
    PROCESS,
    /** Never run code outside a container: no fallback, and {@code PROCESS} requests cannot run on this executor. */
    NONE
}
