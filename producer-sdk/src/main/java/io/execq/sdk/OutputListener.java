package io.execq.sdk;

import io.execq.schema.OutputChunk;

/**
 * Receives the live output of a request run with {@code streamOutput}, chunk by chunk, while it runs: see
 * {@link ExecutionClient#execute(ExecutionRequest, java.time.Duration, OutputListener)} and docs/sdk.md
 * ("Streaming output") for what may be seen twice or missed. Called on one thread per {@code execute}, in order;
 * keep it short (a slow listener delays only this request's chunks, and the completion of its future). An exception
 * it throws is ignored: the next chunk is still delivered.
 */
@FunctionalInterface
public interface OutputListener {

    /**
     * One chunk: {@code runId} identifies the start of the run (a request started again after an executor failure
     * has a new one), {@code sequence} counts 0, 1, 2, ... per run, {@code dropped} is how many bytes of the same
     * stream were not published before this chunk (the executor's streaming bounds).
     */
    void onChunk(OutputChunk chunk);
}
