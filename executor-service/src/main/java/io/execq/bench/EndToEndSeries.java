package io.execq.bench;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.sdk.ExecutionClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One request through the SDK: {@link ExecutionClient#execute} and wait for its result. Pointed at an executor it
 * is execq end to end; pointed at the {@link KafkaFloorRelay} it is the Kafka floor.
 */
final class EndToEndSeries extends NamedSeries {

    private final ExecutionClient client;
    private final Supplier<ExecutionRequest> requests;
    private final Predicate<ExecutionResult> expected;
    private final Duration timeout;

    EndToEndSeries(String name, String description, ExecutionClient client, Supplier<ExecutionRequest> requests,
            Predicate<ExecutionResult> expected, Duration timeout) {
        super(name, description);
        this.client = client;
        this.requests = requests;
        this.expected = expected;
        this.timeout = timeout;
    }

    @Override
    public void sample() throws Exception {
        ExecutionResult result = client.execute(requests.get(), timeout)
                .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        if (!expected.test(result)) {
            throw new IllegalStateException(name() + ": unexpected result " + result.getStatus() + " on "
                    + result.getBackend() + " exit " + result.getExitCode() + ": " + result.getError());
        }
    }
}
