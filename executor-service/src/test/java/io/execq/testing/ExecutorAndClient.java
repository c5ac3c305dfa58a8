package io.execq.testing;

import static org.awaitility.Awaitility.await;

import io.execq.executor.ExecutorInstance;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionClientBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One in-process executor and one SDK client on a test class's private topics of the shared broker. Closing it
 * first checks that every request got exactly one committed result ({@link ExactlyOnce}), then closes both.
 */
public final class ExecutorAndClient implements AutoCloseable {

    private final ExecqTopics topics;
    private final ExecutorInstance executor;
    private final ExecutionClient client;

    private ExecutorAndClient(ExecqTopics topics, ExecutorInstance executor, ExecutionClient client) {
        this.topics = topics;
        this.executor = executor;
        this.client = client;
    }

    /**
     * Starts the executor with {@code options} (as {@code execq serve} flags, without dashes) on fresh topics, waits
     * until it is ready, and builds a client of those topics that {@code client} may configure further.
     */
    public static ExecutorAndClient start(Map<String, String> options, UnaryOperator<ExecutionClientBuilder> client) {
        ExecqTopics topics = ExecqTopics.create(TestKafka.shared().bootstrapServers(), 2);
        ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(options));
        await().atMost(Duration.ofSeconds(60)).until(() -> executor.notReadyReasons().isEmpty());
        return new ExecutorAndClient(topics, executor, client.apply(ExecutionClient.builder()
                .bootstrapServers(topics.bootstrapServers())
                .requestsTopic(topics.requests()).resultsTopic(topics.results())).build());
    }

    public ExecqTopics topics() {
        return topics;
    }

    public ExecutorInstance executor() {
        return executor;
    }

    public ExecutionClient client() {
        return client;
    }

    @Override
    public void close() throws Exception {
        try {
            ExactlyOnce.verify(topics, Duration.ofSeconds(30));
        } finally {
            try {
                client.close();
            } finally {
                executor.close();
            }
        }
    }
}
