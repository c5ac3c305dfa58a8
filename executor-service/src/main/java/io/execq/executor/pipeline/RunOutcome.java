package io.execq.executor.pipeline;

/** What a run reported back to the loop thread. */
sealed interface RunOutcome {

    PartitionWork work();

    /** The offset of the record that ran. */
    long offset();

    /** The run ended (in any status); publish the completion. */
    record Finished(PartitionWork work, Completion completion) implements RunOutcome {

        @Override
        public long offset() {
            return completion.offset();
        }
    }

    /**
     * The request did not run to an end (the sandbox became unavailable, or the run was interrupted): it waits again
     * among its partition's ready requests. Nothing is published for it.
     */
    record Requeue(PartitionWork work, PartitionWork.Waiting waiting, String reason) implements RunOutcome {

        @Override
        public long offset() {
            return waiting.offset();
        }
    }
}
