package io.execq.executor.sandbox.docker;

import java.time.Instant;
import java.util.Map;

/**
 * A started container of the {@link WarmPool}, blocked in {@link Launcher#ENTRYPOINT}, with its attach session
 * open since before it started. Handed to exactly one run, which owns it from then on.
 *
 * @param id the container id
 * @param imageId the image it was created from
 * @param attach the session carrying its stdin, stdout and stderr
 * @param processEnvironment the environment Docker gave it, for {@link Launcher#line}
 * @param createdAt when it was created (its {@code execq.created-at} label)
 * @param deadline how it was created to run a program ({@link Launcher#line} must use the same)
 */
record WarmContainer(String id, String imageId, AttachSession attach, Map<String, String> processEnvironment,
                     Instant createdAt, RunDeadline deadline) {
}
