package io.execq.executor.sandbox.docker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a managed container or volume is an orphan, and why: a pure function of its labels, its creation time,
 * the latest answers of the group's coordinator and the time, so that every case is a unit test.
 *
 * <p>Three reasons, in the order they are asked:
 * <ol>
 *   <li>{@link Reason#OWN_PREVIOUS_LIFE} (at start-up only, before this executor created anything): it carries this
 *       executor's id and this executor's scope, or no scope; a restarted executor with a stable id cleans up what
 *       its previous life left;</li>
 *   <li>{@link Reason#AGE}: older than {@code maxAge}, whoever made it. No run lasts that long (the longest timeout
 *       plus a margin), so nothing in use is taken; the backstop when Kafka cannot be asked, and the only rule for
 *       resources of other scopes;</li>
 *   <li>{@link Reason#OWNER_GONE}: it belongs to this executor's {@link GroupScope}, its owner is another executor,
 *       and that owner was absent from the group in the two latest consecutive answers of the coordinator, both
 *       asked after the resource was created, and the resource is older than {@code ownerGrace}.</li>
 * </ol>
 *
 * <p>Why two answers and a grace, not one answer: a member that died is listed until its session times out, which
 * only delays the verdict; the danger is the other way round, an owner alive but not listed. An executor creates
 * warm-pool containers before its consumer has joined (joining waits for the transactional producer's
 * initialisation, up to the transaction timeout when a previous life left a transaction open), and a member whose
 * session lapsed (a long pause) leaves and joins again. The grace covers the first, the second answer (a reaper
 * period later) the second. Never judged by membership: this executor's own resources (it is alive), and resources of
 * another scope or none (their owners' group cannot be asked here).
 */
public final class OrphanRule {

    /** Why a resource was taken for an orphan; {@link #tag()} is the metric's {@code reason} tag. */
    public enum Reason {
        OWN_PREVIOUS_LIFE, OWNER_GONE, AGE;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One answer of the group's coordinator: the executor ids of the group's members at {@code at}. */
    public record Observation(Instant at, Set<String> liveExecutorIds) {
        public Observation {
            Objects.requireNonNull(at, "at");
            liveExecutorIds = Set.copyOf(liveExecutorIds);
        }
    }

    private final String executorId;
    private final Optional<GroupScope> scope;
    private final Duration maxAge;
    private final Duration ownerGrace;

    /**
     * @param executorId this executor's id
     * @param scope this executor's group scope; without one, no resource is judged by membership
     * @param maxAge the age beyond which any managed resource is an orphan
     * @param ownerGrace the age below which a resource is never judged by membership
     */
    public OrphanRule(String executorId, Optional<GroupScope> scope, Duration maxAge, Duration ownerGrace) {
        this.executorId = Objects.requireNonNull(executorId, "executorId");
        this.scope = Objects.requireNonNull(scope, "scope");
        if (maxAge.isNegative() || ownerGrace.isNegative()) {
            throw new IllegalArgumentException("ages must not be negative: maxAge " + maxAge + ", ownerGrace "
                    + ownerGrace);
        }
        this.maxAge = maxAge;
        this.ownerGrace = ownerGrace;
    }

    String executorId() {
        return executorId;
    }

    /** At start-up: whether a resource with {@code labels} is what this executor's previous life left. */
    public Optional<Reason> atStartUp(Map<String, String> labels) {
        boolean mine = labels != null && executorId.equals(labels.get(HardenedHostConfig.LABEL_EXECUTOR_ID));
        boolean inScope = GroupScope.unscoped(labels) || scope.map(s -> s.holds(labels)).orElse(false);
        return mine && inScope ? Optional.of(Reason.OWN_PREVIOUS_LIFE) : Optional.empty();
    }

    /**
     * Periodically: whether a resource with {@code labels} created at {@code createdAt} is an orphan at {@code now},
     * given the coordinator's latest consecutive answers {@code recent} (oldest first; an unanswered question clears
     * them).
     */
    public Optional<Reason> periodic(Map<String, String> labels, Instant createdAt, Instant now,
                                     List<Observation> recent) {
        if (!createdAt.isAfter(now.minus(maxAge))) {
            return Optional.of(Reason.AGE);
        }
        String owner = labels == null ? null : labels.get(HardenedHostConfig.LABEL_EXECUTOR_ID);
        if (owner == null || owner.equals(executorId) || scope.isEmpty() || !scope.get().holds(labels)
                || recent.size() < 2 || createdAt.isAfter(now.minus(ownerGrace))) {
            return Optional.empty();
        }
        Observation earlier = recent.get(recent.size() - 2);
        Observation latest = recent.get(recent.size() - 1);
        boolean absentTwice = !earlier.liveExecutorIds().contains(owner) && !latest.liveExecutorIds().contains(owner);
        return absentTwice && createdAt.isBefore(earlier.at()) ? Optional.of(Reason.OWNER_GONE) : Optional.empty();
    }
}
