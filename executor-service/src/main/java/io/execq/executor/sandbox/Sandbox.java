package io.execq.executor.sandbox;

import io.execq.schema.Backend;
import io.execq.schema.Protection;
import java.util.Set;

/**
 * Runs one execution to completion. User failures are values in the outcome, never exceptions.
 *
 * <p>Every implementation (Docker container, hardened host process) honours the same contract, proven by one
 * contract suite ({@code SandboxContractTest}) that runs against each of them:
 * <ul>
 *   <li><b>Always finishes.</b> {@link #run} returns within the spec's timeout plus a small, bounded clean-up
 *       allowance. A program that outlives the timeout is killed, with everything it started, and the outcome
 *       says {@link SandboxOutcome#timedOut()}.</li>
 *   <li><b>User failures are values.</b> A non-zero exit, a timeout, an out-of-memory kill and output beyond the
 *       cap are reported in the {@link SandboxOutcome}; they never throw.</li>
 *   <li><b>Infrastructure failures are typed exceptions.</b> Only a fault of the sandbox itself (daemon
 *       unreachable, image missing, create/start refused, the caller's thread interrupted) throws a
 *       {@link SandboxException}; {@link SandboxException#retriable()} says whether running the same spec again
 *       later may succeed.</li>
 *   <li><b>Nothing is left behind.</b> Containers, volumes, processes and workspaces created for a run are
 *       removed on every path, including exceptions and interrupts.</li>
 *   <li><b>Protections are data.</b> {@link #protections()} lists exactly what this sandbox enforces on this
 *       host; the outcome echoes it. Callers never test the implementation type.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe: the executor runs several specs at once on one instance.
 */
public interface Sandbox extends AutoCloseable {

    /** Which runtime this is: {@link Backend#DOCKER} or {@link Backend#PROCESS}. Constant for an instance. */
    Backend backend();

    /**
     * What this sandbox actually enforces for every run on this host, as probed at construction. A protection
     * that could not be applied (missing tool, missing privilege) is absent, never claimed.
     */
    Set<Protection> protections();

    /**
     * A cheap liveness probe (Docker: a ping of the daemon). Never throws; may block for the underlying client's
     * connect timeout, so callers that need a hard bound (the router) run it with their own deadline.
     */
    boolean healthy();

    /**
     * Runs {@code spec} to completion and reports what happened.
     *
     * @param spec a validated spec; its image is already resolved by the caller (ignored by the process sandbox)
     * @return the outcome: exit code or timeout, OOM kill, captured output, timing, backend and protections
     * @throws SandboxException when the sandbox itself failed; the run's resources are cleaned up before it is
     *     thrown. {@link SandboxUnavailableException} means the runtime is unreachable (retriable).
     */
    SandboxOutcome run(SandboxSpec spec) throws SandboxException;

    /**
     * Runs {@code spec} like {@link #run(SandboxSpec)}, and lets the caller cancel it through {@code control}: a
     * cancelled run is killed (with everything it started) and its outcome returned as usual, with the output
     * captured until the kill. A sandbox that cannot cancel runs the spec to its end (this default).
     */
    default SandboxOutcome run(SandboxSpec spec, RunControl control) throws SandboxException {
        return run(spec);
    }

    /** Releases background threads and clients. Does not wait for in-flight runs beyond their own clean-up. */
    @Override
    void close();
}
