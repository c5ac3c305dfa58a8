package io.execq.executor.pipeline;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What one transaction commits: the completions to publish and, for every partition they belong to, the offset and
 * offset map that describe that partition once they are visible.
 */
public record CommitBatch(List<Completion> completions, Map<TopicPartition, OffsetAndMetadata> offsets) {

    public static final CommitBatch EMPTY = new CommitBatch(List.of(), Map.of());

    public CommitBatch {
        completions = List.copyOf(completions);
        offsets = Map.copyOf(offsets);
    }

    public boolean isEmpty() {
        return completions.isEmpty();
    }
}
