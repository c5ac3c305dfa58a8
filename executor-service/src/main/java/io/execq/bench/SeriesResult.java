package io.execq.bench;

/** One row of the report: a series at a concurrency level. */
public record SeriesResult(String series, String description, int concurrency, LatencyStats stats) {
}
