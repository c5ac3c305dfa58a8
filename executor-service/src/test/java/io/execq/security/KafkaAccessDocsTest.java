package io.execq.security;

import static io.execq.testing.SecuredKafka.acl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.ExecutorConfig;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import io.execq.executor.pipeline.ResultPublisher;
import io.execq.sdk.replay.Replayer;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * docs/security-kafka.md against the code: its ACL commands name the resources execq really uses (the test that
 * grants them is KafkaAccessControlIT), and its topic commands create what an executor would create.
 */
class KafkaAccessDocsTest {

    @Test
    void parsesContinuedCommandsRepeatedOperationsAndPrefixedPatterns() {
        DocumentedAcls acls = DocumentedAcls.parse("""
                text
                ```bash
                kafka-acls.sh --bootstrap-server b:9092 --command-config a.properties --add \\
                  --allow-principal User:op --operation Read --operation Write --topic t1
                kafka-acls.sh --add --allow-principal User:ex --operation Write --transactional-id tx- \\
                  --resource-pattern-type prefixed
                ```
                """);

        assertThat(acls.bindings()).containsExactly(
                acl("op", ResourceType.TOPIC, "t1", PatternType.LITERAL, AclOperation.READ),
                acl("op", ResourceType.TOPIC, "t1", PatternType.LITERAL, AclOperation.WRITE),
                acl("ex", ResourceType.TRANSACTIONAL_ID, "tx-", PatternType.PREFIXED, AclOperation.WRITE));
        assertThat(acls.of("ex", "ex2", Map.of("tx-", "other-"))).containsExactly(
                acl("ex2", ResourceType.TRANSACTIONAL_ID, "other-", PatternType.PREFIXED, AclOperation.WRITE));
    }

    @Test
    void refusesOptionsItDoesNotUnderstandRatherThanGrantingSomethingElse() {
        assertThatThrownBy(() -> DocumentedAcls.parse("kafka-acls.sh --add --allow-principal User:x --operation Read "
                + "--topic t --deny-principal User:y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--deny-principal");
        assertThatThrownBy(() -> DocumentedAcls.parse("kafka-acls.sh --add --allow-principal User:x --operation Rede "
                + "--topic t")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theExecutorsAclsNameItsTopicsGroupAndTransactionalIdPrefix() {
        assertThat(DocumentedAcls.read().of("executor")).containsExactlyInAnyOrder(
                acl("executor", ResourceType.TOPIC, TopicSettings.DEFAULT_REQUESTS_TOPIC, PatternType.LITERAL,
                        AclOperation.READ),
                acl("executor", ResourceType.TOPIC, TopicSettings.DEFAULT_RESULTS_TOPIC, PatternType.LITERAL,
                        AclOperation.WRITE),
                acl("executor", ResourceType.TOPIC, TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, PatternType.LITERAL,
                        AclOperation.WRITE),
                acl("executor", ResourceType.TOPIC, TopicSettings.DEFAULT_CONTROL_TOPIC, PatternType.LITERAL,
                        AclOperation.READ),
                acl("executor", ResourceType.GROUP, ExecutorConfig.GROUP_ID.defaultValue(), PatternType.LITERAL,
                        AclOperation.READ),
                acl("executor", ResourceType.TRANSACTIONAL_ID, ResultPublisher.TRANSACTIONAL_ID_PREFIX,
                        PatternType.PREFIXED, AclOperation.WRITE),
                acl("executor", ResourceType.TOPIC, TopicSettings.DEFAULT_OUTPUT_TOPIC, PatternType.LITERAL,
                        AclOperation.WRITE));
    }

    @Test
    void theOperatorsTransactionalIdIsTheOneEveryReplayShares() {
        assertThat(DocumentedAcls.read().of("operator")).contains(acl("operator", ResourceType.TRANSACTIONAL_ID,
                Replayer.transactionalId(Replayer.DEFAULT_DEAD_LETTER_TOPIC), PatternType.LITERAL,
                AclOperation.WRITE));
    }

    @Test
    void noPrincipalIsGrantedAnythingOnTheCluster() {
        assertThat(DocumentedAcls.read().bindings()).isNotEmpty()
                .noneMatch(b -> b.pattern().resourceType() == ResourceType.CLUSTER);
    }

    @Test
    void theTopicCommandsCreateWhatAnExecutorWouldCreateTheReplayLedgerAndTheOutputTopic() throws Exception {
        Map<String, NewTopic> documented = new LinkedHashMap<>();
        for (String command : DocumentedAcls.commands(Files.readString(DocumentedAcls.PAGE), "kafka-topics.sh")) {
            NewTopic topic = newTopic(command);
            documented.put(topic.name(), topic);
        }

        List<NewTopic> expected = new java.util.ArrayList<>(Topics.newTopics(TopicSettings.defaults((short) 3)));
        expected.add(new NewTopic(Replayer.DEFAULT_REPLAYS_TOPIC, 1, (short) 3)
                .configs(Map.of("cleanup.policy", "compact")));
        expected.add(Topics.controlTopic(TopicSettings.DEFAULT_CONTROL_TOPIC, (short) 3,
                ExecutorConfig.CANCEL_WINDOW.parser().apply(ExecutorConfig.CANCEL_WINDOW.defaultValue())));
        expected.add(Topics.outputTopic(TopicSettings.DEFAULT_OUTPUT_TOPIC, TopicSettings.defaults((short) 3)));
        assertThat(documented.values()).containsExactlyElementsOf(expected);
    }

    private static NewTopic newTopic(String command) {
        String[] args = command.split("\\s+");
        String name = null;
        int partitions = 0;
        short replication = 0;
        Map<String, String> configs = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap-server", "--command-config" -> i++;
                case "--create" -> { }
                case "--topic" -> name = args[++i];
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--replication-factor" -> replication = Short.parseShort(args[++i]);
                case "--config" -> {
                    String[] kv = args[++i].split("=", 2);
                    configs.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unexpected " + args[i] + " in " + command);
            }
        }
        return new NewTopic(name, partitions, replication).configs(configs);
    }
}
