package io.execq.sdk;

import io.execq.schema.ExecutionRequest;
import io.execq.sdk.internal.RequestValidator;
import java.util.List;

/**
 * Entry point for building {@link ExecutionRequest}s.
 *
 * <pre>{@code
 * ExecutionRequest request = ExecutionRequests.command("python3", "-c", "print(6*7)")
 *         .image("execq/python:3.11")
 *         .timeout(Duration.ofSeconds(10))
 *         .memoryBytes(64L << 20)
 *         .build();
 * }</pre>
 *
 * <p>The command is an argv list and is never interpreted by a shell: {@code command("sh", "-c", script)} is how to
 * ask for one.
 */
public final class ExecutionRequests {

    private ExecutionRequests() {
    }

    /**
     * Starts a request that runs {@code argv}.
     *
     * @param argv the program and its arguments; must not be empty, and {@code argv[0]} must not be blank (checked
     *     by {@link ExecutionRequestBuilder#build()})
     */
    public static ExecutionRequestBuilder command(String... argv) {
        return new ExecutionRequestBuilder(List.of(argv));
    }

    /** Starts a request that runs {@code argv}; see {@link #command(String...)}. */
    public static ExecutionRequestBuilder command(List<String> argv) {
        return new ExecutionRequestBuilder(argv);
    }

    /**
     * Checks a request however it was built (by hand, with the Avro builder, or copied for a replay) against the
     * same rules {@link ExecutionRequestBuilder#build()} applies. {@link ExecutionClient#submit} runs this check too.
     *
     * @return {@code request}, unchanged
     * @throws IllegalArgumentException naming the first field that breaks a rule
     */
    public static ExecutionRequest validate(ExecutionRequest request) {
        return RequestValidator.validate(request);
    }

    /**
     * As {@link #validate(ExecutionRequest)}, holding argv and env to {@code execLimits} (an executor passes its
     * host's {@code ARG_MAX}) instead of {@link ExecLimits#DEFAULT}.
     */
    public static ExecutionRequest validate(ExecutionRequest request, ExecLimits execLimits) {
        return RequestValidator.validate(request, execLimits);
    }
}
