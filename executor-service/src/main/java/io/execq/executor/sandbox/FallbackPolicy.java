package io.execq.executor.sandbox;

/** The executor's policy for running requests outside a container ({@code --fallback process|none}). */
public enum FallbackPolicy {
    /** PREFER_CONTAINER falls back to the process sandbox when Docker is down; PROCESS requests run as processes. */
    PROCESS,
    /** Never run outside a container. */
    NONE
}
