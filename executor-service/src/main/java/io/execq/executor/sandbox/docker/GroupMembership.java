package io.execq.executor.sandbox.docker;

import java.util.Optional;
import java.util.Set;

/** The orphan reaper's port onto the executors' consumer group: who is a member of it now. */
@FunctionalInterface
public interface GroupMembership {

    /**
     * The executor ids of the group's members as its coordinator sees them now (a member that died stays listed
     * until its session times out; one that is starting is listed once it has sent its first join); empty when the
     * coordinator could not be asked.
     */
    Optional<Set<String>> liveExecutorIds();
}
