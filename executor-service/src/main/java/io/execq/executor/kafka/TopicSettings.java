package io.execq.executor.kafka;

import java.time.Duration;

/**
 * The three execq topics and how they are created.
 *
 * @param requests where producers publish {@code ExecutionRequest}s, keyed by request id
 * @param results where executors publish one {@code ExecutionResult} per request
 * @param deadLetters copies of undecodable, rejected and failed requests, with reason headers
 * @param requestPartitions partitions of the requests topic: the most requests a group can run at once, since each
 *     executor runs at most one record per partition at a time
 * @param resultPartitions partitions of the results topic
 * @param replicationFactor 1 on a single-node broker
 * @param maxMessageBytes {@code max.message.bytes} of every topic; must hold a result with both output streams at
 *     their cap, and the largest accepted request
 * @param retention how long records are kept
 */
public record TopicSettings(
        String requests,
        String results,
        String deadLetters,
        int requestPartitions,
        int resultPartitions,
        short replicationFactor,
        int maxMessageBytes,
        Duration retention) {

    public static final String DEFAULT_REQUESTS_TOPIC = "execq.requests";
    public static final String DEFAULT_RESULTS_TOPIC = "execq.results";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "execq.requests.dlt";
    /** Cancellations ({@code CancelRequest}), read whole by every executor; see {@link Topics#controlTopic}. */
    public static final String DEFAULT_CONTROL_TOPIC = "execq.control";
    /** Live output of runs that asked for it ({@code OutputChunk}); see {@link Topics#outputTopic}. */
    public static final String DEFAULT_OUTPUT_TOPIC = "execq.output";
    public static final int DEFAULT_REQUEST_PARTITIONS = 16;
    public static final int DEFAULT_RESULT_PARTITIONS = 16;
    /** 16 MiB: two output streams at the 4 MiB maximum cap plus the echoed request metadata, with room to spare. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    public TopicSettings {
        requireName(requests, "requests");
        requireName(results, "results");
        requireName(deadLetters, "deadLetters");
        if (requests.equals(results) || requests.equals(deadLetters) || results.equals(deadLetters)) {
            throw new IllegalArgumentException("The requests, results and dead-letter topics must be distinct, got "
                    + requests + ", " + results + ", " + deadLetters);
        }
        requirePositive(requestPartitions, "requestPartitions");
        requirePositive(resultPartitions, "resultPartitions");
        requirePositive(replicationFactor, "replicationFactor");
        if (maxMessageBytes < 1 << 20) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1 MiB, got " + maxMessageBytes);
        }
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive, got " + retention);
        }
    }

    /** The execq defaults for a broker with {@code replicationFactor} copies of each partition. */
    public static TopicSettings defaults(short replicationFactor) {
        return new TopicSettings(DEFAULT_REQUESTS_TOPIC, DEFAULT_RESULTS_TOPIC, DEFAULT_DEAD_LETTER_TOPIC,
                DEFAULT_REQUEST_PARTITIONS, DEFAULT_RESULT_PARTITIONS, replicationFactor, DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_RETENTION);
    }

    public TopicSettings withRequestPartitions(int partitions) {
        return new TopicSettings(requests, results, deadLetters, partitions, resultPartitions, replicationFactor,
                maxMessageBytes, retention);
    }

    private static void requireName(String topic, String what) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException(what + " topic name must not be blank");
        }
    }

    private static void requirePositive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }
}
