package io.execq.executor.pipeline;

/** What a run reported back to the loop thread. */
sealed interface RunOutcome {

    PartitionWork work();

    /** The run ended (in any status); publish the completion. */
    record Finished(PartitionWork work, Completion completion) implements RunOutcome {
    }

    /**
     * The request did not run to an end (the sandbox became unavailable, or the run was interrupted): put it back at
     * its partition's head. Nothing is published for it.
     */
    record Requeue(PartitionWork work, PartitionWork.Waiting waiting, String reason) implements RunOutcome {
    }
}
