package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.ExecutorInstance;
import io.execq.schema.ExecutionRequest;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.Network;
import io.execq.schema.Protection;
import io.execq.schema.serde.ExecutionResultDeserializer;
import io.execq.testing.DockerAvailability;
import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.execq.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Network opt-in through the whole pipeline on Docker: a request on the bridge network runs only where the operator
 * allows it, and then has an interface besides loopback and no NETWORK_ISOLATED protection; the default has loopback
 * only. The test reads the container's interface table ({@code /proc/net/dev}); it sends no traffic anywhere.
 */
class NetworkOptInIT {

    private static final String INTERFACES = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort";

    @Test
    void bridgeOnlyWhenAllowedAndTheResultSaysTheNetworkWasNotIsolated() throws Exception {
        DockerAvailability.requireDocker();
        String bootstrap = TestKafka.shared().bootstrapServers();

        ExecqTopics allowing = ExecqTopics.create(bootstrap, 1);
        ExecutionRequest bridged = Requests.command(Isolation.PREFER_CONTAINER, "sh", "-c", INTERFACES)
                .setNetwork(Network.BRIDGE).build();
        ExecutionRequest isolated = Requests.command(Isolation.CONTAINER, "sh", "-c", INTERFACES).build();
        ExecutionRequest onTheHost = Requests.command(Isolation.PROCESS, "sh", "-c", INTERFACES)
                .setNetwork(Network.BRIDGE).build();
        Map<String, ExecutionResult> results = run(allowing, Map.of("allow-network", "bridge"),
                bridged, isolated, onTheHost);

        ExecutionResult onBridge = results.get(bridged.getRequestId());
        assertThat(onBridge.getStatus()).as(onBridge.getError()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(onBridge.getBackend().name()).isEqualTo("DOCKER");
        assertThat(interfaces(onBridge)).contains("lo").hasSizeGreaterThan(1);
        assertThat(onBridge.getProtections()).doesNotContain(Protection.NETWORK_ISOLATED)
                .contains(Protection.READ_ONLY_ROOT_FS, Protection.SECCOMP_FILTER);

        ExecutionResult noNetwork = results.get(isolated.getRequestId());
        assertThat(noNetwork.getStatus()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(interfaces(noNetwork)).containsExactly("lo");
        assertThat(noNetwork.getProtections()).contains(Protection.NETWORK_ISOLATED);

        ExecutionResult refusedOnHost = results.get(onTheHost.getRequestId());
        assertThat(refusedOnHost.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
        assertThat(refusedOnHost.getError()).contains("needs a container");

        ExecqTopics defaults = ExecqTopics.create(bootstrap, 1);
        ExecutionRequest notAllowed = Requests.command(Isolation.CONTAINER, "sh", "-c", INTERFACES)
                .setNetwork(Network.BRIDGE).build();
        ExecutionResult refused = run(defaults, Map.of(), notAllowed).get(notAllowed.getRequestId());
        assertThat(refused.getStatus()).isEqualTo(ExecutionStatus.REJECTED);
        assertThat(refused.getError()).contains("network BRIDGE is not allowed").contains("--allow-network bridge");
    }

    private static Map<String, ExecutionResult> run(ExecqTopics topics, Map<String, String> options,
                                                    ExecutionRequest... requests) throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        try (Requests out = new Requests(bootstrap, topics.requests())) {
            for (ExecutionRequest request : requests) {
                out.send(request);
            }
        }
        Map<String, String> config = new java.util.HashMap<>(options);
        config.put("group-id", "network-" + UUID.randomUUID());
        try (ExecutorInstance executor = ExecutorInstance.start(topics.executorConfig(config))) {
            return TopicReader.readCommitted(bootstrap, topics.results(), read -> read.size() >= requests.length,
                            Duration.ofMinutes(2), Duration.ofSeconds(1)).stream()
                    .map(r -> new ExecutionResultDeserializer().deserialize(r.topic(), r.value()))
                    .collect(Collectors.toMap(ExecutionResult::getRequestId, Function.identity()));
        }
    }

    private static List<String> interfaces(ExecutionResult result) {
        String text = StandardCharsets.UTF_8.decode(result.getStdout().getData().duplicate()).toString();
        return Arrays.stream(text.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
