package io.execq.executor.sandbox.hostile;

import io.execq.executor.sandbox.Sandbox;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/** What the corpus needs to know about one backend to judge what its runs left on the host. */
public interface CorpusBackend {

    /** {@code docker} or {@code process}: the name exceptions and reports use. */
    String name();

    /** The real sandbox under test. */
    Sandbox sandbox();

    /** Whether a host uid is one this backend's runs execute as (Docker: 65534; process: the suite's uid range). */
    IntPredicate runUid();

    /**
     * Whether {@code process}, which was not there before the case ran (the keys in {@code before}), belongs to a
     * run of this backend and so must not be alive once the run returned.
     */
    boolean belongsToARun(HostProcess process, Set<HostProcess.Key> before);

    /** Waits for clean-up the sandbox does after {@code run} returns (Docker's background removals). */
    void settle() throws Exception;

    /** What the runs with these request ids left behind in the backend itself: containers, volumes, workspaces. */
    List<String> leftovers(List<String> requestIds) throws Exception;
}
