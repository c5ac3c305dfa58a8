package io.execq.executor.pipeline;

import io.execq.executor.config.Values;
import io.execq.schema.EffectiveLimits;
import io.execq.schema.Limits;

/**
 * Turns the limits a request asks for into the limits it runs with: the executor's default where it asks for none,
 * clamped to the operator's maximum where it asks for more. Non-positive values are rejected, not fixed up.
 */
public final class LimitPolicy {

    /** Docker refuses memory limits below 6 MiB on some kernels and 4 MiB on all. */
    static final long MIN_MEMORY_BYTES = 6L << 20;
    static final long MIN_TIMEOUT_MILLIS = 1;

    private final EffectiveLimits defaults;
    private final EffectiveLimits maxima;

    public LimitPolicy(EffectiveLimits defaults, EffectiveLimits maxima) {
        this.defaults = defaults;
        this.maxima = maxima;
    }

    public EffectiveLimits resolve(Limits requested) throws RequestRejectedException {
        if (requested == null) {
            return defaults;
        }
        return new EffectiveLimits(
                pick("timeoutMillis", requested.getTimeoutMillis(), defaults.getTimeoutMillis(),
                        maxima.getTimeoutMillis(), MIN_TIMEOUT_MILLIS),
                pick("memoryBytes", requested.getMemoryBytes(), defaults.getMemoryBytes(), maxima.getMemoryBytes(),
                        MIN_MEMORY_BYTES),
                (int) pick("milliCpus", toLong(requested.getMilliCpus()), defaults.getMilliCpus(),
                        maxima.getMilliCpus(), 1),
                (int) pick("pids", toLong(requested.getPids()), defaults.getPids(), maxima.getPids(), 1),
                pick("maxOutputBytes", requested.getMaxOutputBytes(), defaults.getMaxOutputBytes(),
                        maxima.getMaxOutputBytes(), 0));
    }

    private static long pick(String field, Long requested, long fallback, long max, long min)
            throws RequestRejectedException {
        if (requested == null) {
            return fallback;
        }
        if (requested < min) {
            throw new RequestRejectedException("limits." + field + " must be at least "
                    + ("memoryBytes".equals(field) ? Values.formatSize(min) : Long.toString(min)) + ", got "
                    + requested);
        }
        return Math.min(requested, max);
    }

    private static Long toLong(Integer value) {
        return value == null ? null : value.longValue();
    }
}
