package io.execq.sdk.replay;

/**
 * Another replay of the same dead-letter topic started while this one ran and fenced it: this run's transaction was
 * aborted, so it published nothing. Running the replay again shows what is still left to replay.
 */
public class ReplayConflictException extends RuntimeException {

    public ReplayConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
