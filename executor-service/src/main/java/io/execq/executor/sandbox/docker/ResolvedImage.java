package io.execq.executor.sandbox.docker;

/**
 * An image reference and the local image id it resolved to. Containers are created from the id, so the run
 * uses exactly the image the outcome names even if the tag moves meanwhile.
 *
 * @param reference what the spec asked for, e.g. {@code execq/python:3.11}
 * @param id the local image id, {@code sha256:...}
 */
public record ResolvedImage(String reference, String id) {
}
