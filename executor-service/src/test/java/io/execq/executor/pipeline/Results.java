package io.execq.executor.pipeline;

import io.execq.schema.CapturedOutput;
import io.execq.schema.ExecutionResult;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Committed results of a test's private results topic. */
final class Results {

    private Results() {
    }

    /** Every committed result, once the ones for {@code ids} are all there (or the timeout passed). */
    static List<ExecutionResult> awaitFor(String bootstrap, String topic, Set<String> ids, Duration timeout) {
        ExecutionResultDeserializer decoder = new ExecutionResultDeserializer();
        return TopicReader.readCommitted(bootstrap, topic,
                read -> read.stream().map(r -> decoder.deserialize(topic, r.value()).getRequestId())
                        .collect(java.util.stream.Collectors.toSet()).containsAll(ids),
                timeout, Duration.ofMillis(500))
                .stream().map(r -> decoder.deserialize(topic, r.value())).toList();
    }

    static ExecutionResult only(List<ExecutionResult> results, String id) {
        List<ExecutionResult> matching = results.stream().filter(r -> r.getRequestId().equals(id)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected exactly one result for " + id + ", got " + matching.size());
        }
        return matching.get(0);
    }

    /** The kept bytes of a result's stream as UTF-8 text. */
    static String text(CapturedOutput output) {
        return StandardCharsets.UTF_8.decode(output.getData().duplicate()).toString();
    }
}
