package io.execq.bench;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.sdk.ExecutionClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The short requests of another series, each batch submitted behind {@code longRuns} long requests sent just
 * before it; the batch ends only when the long runs have finished too, so they never reach into another batch.
 */
final class HeadOfLineSeries implements Series {

    /** Appended to the short series' name. */
    static final String SUFFIX = "-behind-long";

    private final Series shortRequests;
    private final ExecutionClient client;
    private final Supplier<ExecutionRequest> longRequests;
    private final int longRuns;
    private final Duration timeout;
    private final List<CompletableFuture<ExecutionResult>> pending = new ArrayList<>();

    HeadOfLineSeries(Series shortRequests, ExecutionClient client, Supplier<ExecutionRequest> longRequests,
            int longRuns, Duration timeout) {
        this.shortRequests = shortRequests;
        this.client = client;
        this.longRequests = longRequests;
        this.longRuns = longRuns;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return shortRequests.name() + SUFFIX;
    }

    @Override
    public String description() {
        return shortRequests.description() + ", each batch behind " + longRuns + " long run(s) submitted first";
    }

    @Override
    public void beforeBatch() {
        for (int i = 0; i < longRuns; i++) {
            pending.add(client.execute(longRequests.get(), timeout));
        }
    }

    @Override
    public void sample() throws Exception {
        shortRequests.sample();
    }

    @Override
    public void afterBatch() {
        try {
            for (CompletableFuture<ExecutionResult> run : pending) {
                ExecutionResult result = run.join();
                if (result.getStatus() != ExecutionStatus.SUCCEEDED) {
                    throw new IllegalStateException("a long run ended " + result.getStatus() + ": "
                            + result.getError());
                }
            }
        } finally {
            pending.clear();
        }
    }
}
