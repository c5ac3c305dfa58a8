package io.execq.executor.pipeline;

import java.util.Optional;

/**
 * How the scheduler orders the records of a partition and shares slots between partitions and tenants.
 *
 * @param ordering {@link Ordering#UNORDERED}: up to {@code window} records of a partition run at once and complete in
 *     any order; {@link Ordering#PARTITION}: one at a time, in offset order
 * @param window most runs in flight per partition (ignored, as 1, for {@link Ordering#PARTITION})
 * @param fairShareLabel when present, the request label whose value with the fewest runs in flight starts first
 */
public record SchedulingPolicy(Ordering ordering, int window, Optional<String> fairShareLabel) {

    /** Whether records of one partition may run concurrently. */
    public enum Ordering { UNORDERED, PARTITION }

    public SchedulingPolicy {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, was " + window);
        }
        if (ordering == Ordering.PARTITION) {
            window = 1;
        }
    }

    public static SchedulingPolicy unordered(int window) {
        return new SchedulingPolicy(Ordering.UNORDERED, window, Optional.empty());
    }

    public static SchedulingPolicy partitionOrder() {
        return new SchedulingPolicy(Ordering.PARTITION, 1, Optional.empty());
    }

    boolean ordered() {
        return ordering == Ordering.PARTITION;
    }
}
