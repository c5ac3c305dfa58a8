package io.execq.bench;

/** What {@code execq bench} measures; see docs/performance.md. */
public enum Scenario {
    /** Every series, at each concurrency level, closed loop with that many workers. */
    THROUGHPUT,
    /** Every series, one request at a time (concurrency 1 whatever {@code --concurrency} says). */
    LATENCY,
    /** Through execq only: short requests alone, and short requests behind long runs (head-of-line blocking). */
    HOL
}
