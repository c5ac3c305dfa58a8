package io.execq.executor.sandbox;

import io.execq.schema.Isolation;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the sandbox for each request from its {@link Isolation}, the executor's {@link FallbackPolicy} and
 * Docker's current health ({@link DockerHealth}). The decision table:
 *
 * <table>
 *   <caption>route(isolation)</caption>
 *   <tr><th>isolation</th><th>Docker available</th><th>Docker down</th></tr>
 *   <tr><td>CONTAINER</td><td>Docker</td><td>unavailable, waitable (never falls back)</td></tr>
 *   <tr><td>PREFER_CONTAINER</td><td>Docker</td><td>policy PROCESS: process sandbox; NONE: unavailable, waitable</td></tr>
 *   <tr><td>PROCESS</td><td colspan="2">policy PROCESS: process sandbox; NONE: unavailable, not waitable</td></tr>
 *   <tr><td>UNKNOWN</td><td colspan="2">as CONTAINER: a symbol this executor does not know is never weakened</td></tr>
 * </table>
 *
 * <p>{@code PROCESS} under policy {@code NONE} is refused rather than upgraded to a container: the request asked
 * for a host process (e.g. it needs the host's tools) and the operator forbade host processes, so the honest
 * answer is "cannot run here", not a silently different runtime. It is not waitable: waiting will not change it.
 *
 * <p>The Docker sandbox handed out is wrapped so that its runs' infrastructure failures are recorded in the
 * health breaker. The router owns neither sandbox's lifecycle beyond {@link #close()}.
 */
public final class SandboxRouter implements AutoCloseable {

    private final Sandbox docker;
    private final Optional<Sandbox> process;
    private final FallbackPolicy policy;
    private final DockerHealth health;

    /**
     * @param docker the Docker sandbox
     * @param process the process sandbox; must be present when the policy is {@link FallbackPolicy#PROCESS}
     * @param policy whether code may run outside a container
     * @param health Docker's health, started by the caller
     */
    public SandboxRouter(Sandbox docker, Optional<Sandbox> process, FallbackPolicy policy, DockerHealth health) {
        this.health = Objects.requireNonNull(health, "health");
        this.docker = new HealthRecordingSandbox(Objects.requireNonNull(docker, "docker"), health);
        this.process = Objects.requireNonNull(process, "process");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (policy == FallbackPolicy.PROCESS && process.isEmpty()) {
            throw new IllegalArgumentException("fallback policy PROCESS needs a process sandbox");
        }
    }

    /** Where a request with {@code isolation} runs now, or why it cannot. */
    public Route route(Isolation isolation) {
        switch (isolation) {
            case PROCESS:
                return processRoute().orElseGet(() -> new Route.Unavailable(
                        "isolation PROCESS requested but the fallback policy NONE forbids host processes", false));
            case PREFER_CONTAINER:
                if (health.available()) {
                    return new Route.Run(docker);
                }
                return processRoute().orElseGet(() -> new Route.Unavailable(
                        "docker unavailable (" + health.state() + ") and the fallback policy NONE forbids host processes", true));
            case CONTAINER:
            case UNKNOWN:
            default:
                return health.available()
                        ? new Route.Run(docker)
                        : new Route.Unavailable("docker unavailable (" + health.state() + "); isolation " + isolation + " never falls back", true);
        }
    }

    /** Whether a request with {@code isolation} could run right now (the pipeline pauses partitions otherwise). */
    public boolean canRun(Isolation isolation) {
        return route(isolation) instanceof Route.Run;
    }

    private Optional<Route> processRoute() {
        return policy == FallbackPolicy.PROCESS ? process.map(Route.Run::new) : Optional.empty();
    }

    @Override
    public void close() {
        health.close();
        docker.close();
        process.ifPresent(Sandbox::close);
    }
}
