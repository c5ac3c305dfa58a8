package io.execq.bench;

/**
 * One thing {@code execq bench} measures: a way to run the benchmark command once, start to finish, so that the
 * {@link Runner} can time it. Implementations are the raw baselines (plain spawn, hardened spawn, Docker cycles),
 * the Kafka floor and execq end to end.
 *
 * <p>{@link #sample()} is called from as many threads at once as the concurrency level being measured, so it must
 * be thread-safe. A sample that did not do its job (non-zero exit, wrong result status, lost record) throws: the
 * runner counts it as an error and still records its latency, so a failing series is visible, never silently fast.
 */
public interface Series extends AutoCloseable {

    /** A stable identifier, used as the key in {@code bench.json} and as the chart legend. */
    String name();

    /** One line for the report: what a sample of this series does. */
    String description();

    /**
     * Runs the command once and returns when it has finished.
     *
     * @throws Exception when the sample did not complete as expected
     */
    void sample() throws Exception;

    /** Called before each batch of samples (the head-of-line series submits its long runs here). */
    default void beforeBatch() throws Exception {
    }

    /** Called after each batch of samples, before the next series' batch starts. */
    default void afterBatch() throws Exception {
    }

    /** Releases what the series holds (clients, threads); the default holds nothing. */
    @Override
    default void close() throws Exception {
    }
}
