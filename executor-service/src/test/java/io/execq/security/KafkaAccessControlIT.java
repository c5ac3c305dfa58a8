package io.execq.security;

import static io.execq.testing.SecuredKafka.acl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.execq.cli.CliRun;
import io.execq.executor.ExecutorConfig;
import io.execq.executor.ExecutorInstance;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import io.execq.schema.ExecutionResult;
import io.execq.schema.ExecutionStatus;
import io.execq.schema.Isolation;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import io.execq.sdk.ResultSubscriber;
import io.execq.sdk.ResultsNotAuthorizedException;
import io.execq.sdk.SubmitNotAuthorizedException;
import io.execq.sdk.replay.Replayer;
import io.execq.testing.SecuredKafka;
import io.execq.testing.SecuredKafka.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * execq on a broker with SASL/SCRAM and ACLs ({@link SecuredKafka}, one for the class), with exactly the ACLs that
 * docs/security-kafka.md tells operators to grant ({@link DocumentedAcls}) and the default topic and group names:
 * every component logs in with a {@code --kafka-config} file, a full round trip works, and each missing ACL is
 * reported quickly and by name instead of hanging, looping or looking like "no broker".
 */
class KafkaAccessControlIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FAST = Duration.ofSeconds(15);
    /** A second set of resources for executors that lack one documented ACL, so they never touch the real ones. */
    private static final Map<String, String> PARTIAL = Map.of(
            TopicSettings.DEFAULT_REQUESTS_TOPIC, "partial.requests",
            TopicSettings.DEFAULT_RESULTS_TOPIC, "partial.results",
            TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, "partial.dlt",
            ExecutorConfig.GROUP_ID.defaultValue(), "partial-executors");

    @TempDir
    static Path dir;
    private static SecuredKafka kafka;
    private static DocumentedAcls acls;
    /** Every principal of the test; those without a field are made for one test. */
    private static Map<String, Principal> users;
    private static Principal executorUser;
    private static Principal producer;
    private static Principal reader;
    private static Principal operator;
    private static Principal stranger;
    private static Principal partial;
    private static ExecutorInstance executor;

    @BeforeAll
    static void startSecuredClusterAndExecutor() throws Exception {
        kafka = SecuredKafka.start();
        try (Admin admin = kafka.admin()) {
            // As docs/security-kafka.md recommends: the administrator creates the topics (KafkaAccessDocsTest checks
            // that its commands create these), so no principal needs CREATE.
            new Topics(admin).ensure(new TopicSettings(TopicSettings.DEFAULT_REQUESTS_TOPIC,
                    TopicSettings.DEFAULT_RESULTS_TOPIC, TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, 2, 2, (short) 1,
                    TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofDays(1)));
            new Topics(admin).ensure(new TopicSettings(PARTIAL.get(TopicSettings.DEFAULT_REQUESTS_TOPIC),
                    PARTIAL.get(TopicSettings.DEFAULT_RESULTS_TOPIC),
                    PARTIAL.get(TopicSettings.DEFAULT_DEAD_LETTER_TOPIC), 1, 1, (short) 1,
                    TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofDays(1)));
            admin.createTopics(List.of(Topics.controlTopic(
                    TopicSettings.DEFAULT_CONTROL_TOPIC, (short) 1, Duration.ofHours(1)))).all().get();
            admin.createTopics(List.of(new NewTopic(Replayer.DEFAULT_REPLAYS_TOPIC, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
            new Topics(admin).ensure(List.of(Topics.outputTopic(TopicSettings.DEFAULT_OUTPUT_TOPIC,
                    new TopicSettings(TopicSettings.DEFAULT_REQUESTS_TOPIC, TopicSettings.DEFAULT_RESULTS_TOPIC,
                            TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, 2, 2, (short) 1,
                            TopicSettings.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofDays(1)))));
        }
        users = kafka.createUsers("executor", "producer", "reader", "operator", "stranger", "partial", "submitter",
                "describer", "groupless", "replayer", "creator");
        executorUser = users.get("executor");
        producer = users.get("producer");
        reader = users.get("reader");
        operator = users.get("operator");
        stranger = users.get("stranger");
        partial = users.get("partial");
        acls = DocumentedAcls.read();
        kafka.allow(acls.bindings());

        executor = ExecutorInstance.start(ExecutorConfig.of(Map.of("bootstrap-servers", kafka.bootstrapServers(),
                "embedded-kafka", "never", "http-port", "0", "request-partitions", "2",
                "kafka-config", executorUser.writeConfig(dir).toString())));
    }

    @AfterAll
    static void stop() {
        if (executor != null) {
            executor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static CliRun execq(Principal who, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--bootstrap-servers", kafka.bootstrapServers(),
                "--kafka-config", who.writeConfig(dir).toString()));
        all.addAll(List.of(args));
        return CliRun.of(all);
    }

    private static ExecutionClient client(Principal who) {
        return ExecutionClient.builder().kafkaProperties(who.properties()).closeTimeout(Duration.ofSeconds(5)).build();
    }

    private static List<JsonNode> resultsAs(Principal who) throws Exception {
        CliRun run = execq(who, "results", "--json");
        assertThat(run.status()).as(run.err()).isZero();
        List<JsonNode> results = new ArrayList<>();
        for (String line : run.lines()) {
            results.add(JSON.readTree(line));
        }
        return results;
    }

    // ---- the documented ACLs are enough ------------------------------------------------------------------------

    @Test
    void cliAndSdkRoundTripsWorkWithOnlyTheDocumentedAcls() throws Exception {
        CliRun submitted = execq(producer, "submit", "--wait", "--json", "--isolation", "process", "--", "echo",
                "over sasl");
        assertThat(submitted.status()).as(submitted.err()).isZero();
        JsonNode viaCli = JSON.readTree(submitted.out());
        assertThat(viaCli.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(viaCli.get("stdout").get("data").asText()).isEqualTo("over sasl\n");

        ExecutionResult viaSdk;
        try (ExecutionClient client = client(producer)) {
            viaSdk = client.execute(ExecutionRequests.command("sh", "-c", "echo sdk; exit 3")
                    .isolation(Isolation.PROCESS).build(), Duration.ofSeconds(60)).get(90, TimeUnit.SECONDS);
        }
        assertThat(viaSdk.getStatus()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(viaSdk.getExitCode()).isEqualTo(3);

        assertThat(resultsAs(reader)).extracting(r -> r.get("requestId").asText())
                .contains(viaCli.get("requestId").asText(), viaSdk.getRequestId());
    }

    @Test
    void aResultSubscriberReadsResultsWithTheReadersAcls() throws Exception {
        String id;
        try (ExecutionClient client = client(producer)) {
            id = client.execute(ExecutionRequests.command("true").isolation(Isolation.PROCESS).build(),
                    Duration.ofSeconds(60)).get(90, TimeUnit.SECONDS).getRequestId();
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (ResultSubscriber subscriber = ResultSubscriber.builder().kafkaProperties(reader.properties())
                .groupId("billing").handler(result -> seen.add(result.getRequestId())).build()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen).contains(id));
            assertThat(subscriber.termination()).isNotDone();
        }
    }

    @Test
    void theOperatorReplaysADeadLetterWithItsAclsAndTheReplayRuns() throws Exception {
        String failed;
        try (ExecutionClient client = client(producer)) {
            failed = client.execute(ExecutionRequests.command("sh", "-c", "exit 4").isolation(Isolation.PROCESS)
                    .build(), Duration.ofSeconds(60)).get(90, TimeUnit.SECONDS).getRequestId();
        }
        // The dead letter was committed in the transaction that made the result visible.

        CliRun replay = execq(operator, "replay", "--request-id", failed);

        assertThat(replay.status()).as(replay.err()).isZero();
        assertThat(replay.lines()).anyMatch(line -> line.contains(failed) && line.contains("replayed"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(resultsAs(operator)).anySatisfy(r -> {
                    assertThat(r.get("replayOf").asText()).isEqualTo(failed);
                    assertThat(r.get("attempt").asInt()).isEqualTo(2);
                    assertThat(r.get("exitCode").asInt()).isEqualTo(4);
                }));
    }

    @Test
    void aProducerThatOnlySubmitsNeedsOnlyWriteOnRequestsButCannotWaitForResults() throws Exception {
        Principal submitter = users.get("submitter");
        kafka.allow(acls.of("producer", "submitter", Map.of()).stream()
                .filter(b -> b.pattern().name().equals(TopicSettings.DEFAULT_REQUESTS_TOPIC)).toList());

        try (ExecutionClient client = client(submitter)) {
            assertThat(client.submit(ExecutionRequests.command("true").isolation(Isolation.PROCESS).build())
                    .get(30, TimeUnit.SECONDS)).isNotBlank();

            CompletableFuture<ExecutionResult> waited = client.execute(ExecutionRequests.command("true")
                    .isolation(Isolation.PROCESS).build(), Duration.ofSeconds(60));

            assertThatThrownBy(() -> waited.get(FAST.toSeconds(), TimeUnit.SECONDS))
                    .cause().isInstanceOf(ResultsNotAuthorizedException.class)
                    .hasMessageStartingWith("not authorized to read results topic execq.results (grant this client's "
                            + "principal READ on topic execq.results)")
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void anOperatorWithoutTheReplayTransactionalIdIsToldWhichIdToGrant() {
        kafka.allow(acls.of("operator", "replayer", Map.of()).stream()
                .filter(b -> b.pattern().resourceType() != ResourceType.TRANSACTIONAL_ID).toList());

        CliRun replay = execq(users.get("replayer"), "replay", "--request-id", "no-such-request");

        assertThat(replay.status()).isEqualTo(1);
        assertThat(replay.err()).isEqualTo("execq replay: Not authorized to use transactional id "
                + "execq-replay-execq.requests.dlt: grant this principal WRITE on TransactionalId "
                + "execq-replay-execq.requests.dlt (Transactional Id authorization failed.)\n"
                + "Kafka refused this client: check the principal in --kafka-config and its ACLs "
                + "(docs/security-kafka.md).\n");
    }

    // ---- producers and readers without their ACL -----------------------------------------------------------

    @Test
    void aProducerWithoutWriteOnRequestsGetsATypedErrorNamingTheTopicNotATimeout() throws Exception {
        Principal describer = users.get("describer");
        kafka.allow(List.of(acl("describer", ResourceType.TOPIC, TopicSettings.DEFAULT_REQUESTS_TOPIC,
                PatternType.LITERAL, AclOperation.DESCRIBE)));

        // No ACL at all (the topic is invisible), and DESCRIBE without WRITE (the idempotent producer is refused a
        // producer id, which Kafka reports as a cluster authorization failure): both are the same typed error.
        for (Principal refused : List.of(stranger, describer)) {
            try (ExecutionClient client = client(refused)) {
                CompletableFuture<String> sent = client.submit(ExecutionRequests.command("true").build());

                assertThatThrownBy(() -> sent.get(FAST.toSeconds(), TimeUnit.SECONDS)).as(refused.name())
                        .cause().isInstanceOf(SubmitNotAuthorizedException.class)
                        .hasMessageContaining("was refused: not authorized to write to topic execq.requests (grant "
                                + "this client's principal WRITE on topic execq.requests)")
                        .hasCauseInstanceOf(AuthorizationException.class);
                SubmitNotAuthorizedException error = (SubmitNotAuthorizedException) sent.handle((ok, e) -> e).join();
                assertThat(error.topic()).isEqualTo(TopicSettings.DEFAULT_REQUESTS_TOPIC);
            }
        }

        CliRun cli = execq(stranger, "submit", "--", "true");
        assertThat(cli.status()).isEqualTo(1);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).startsWith("execq submit: request ").contains(" was refused: not authorized to write "
                        + "to topic execq.requests")
                .endsWith("\nKafka refused this client: check the principal in --kafka-config and its ACLs "
                        + "(docs/security-kafka.md).\n")
                .doesNotContain("\tat ");
    }

    @Test
    void aReaderWithoutReadOnResultsGetsNothingAndAClearError() throws Exception {
        CliRun cli = execq(stranger, "results");
        assertThat(cli.status()).isEqualTo(1);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).isEqualTo("execq results: Not authorized to access topics: [execq.results]\n"
                + "Kafka refused this client: check the principal in --kafka-config and its ACLs "
                + "(docs/security-kafka.md).\n");

        // Each of the reader's two ACLs is needed: without the group's, then without the topic's.
        List<ExecutionResult> handled = new ArrayList<>();
        Principal groupless = users.get("groupless");
        kafka.allow(acls.of("reader", "groupless", Map.of()).stream()
                .filter(b -> b.pattern().resourceType() == ResourceType.TOPIC).toList());
        try (ResultSubscriber noGroup = ResultSubscriber.builder().kafkaProperties(groupless.properties())
                .groupId("billing").handler(handled::add).build()) {
            assertThatThrownBy(() -> noGroup.termination().get(FAST.toSeconds(), TimeUnit.SECONDS))
                    .cause().isInstanceOf(GroupAuthorizationException.class)
                    .hasMessage("Not authorized to access group: billing");
        }
        kafka.allow(List.of(acl("stranger", ResourceType.GROUP, "stranger-group", PatternType.LITERAL,
                AclOperation.READ)));
        try (ResultSubscriber noTopic = ResultSubscriber.builder().kafkaProperties(stranger.properties())
                .groupId("stranger-group").handler(handled::add).build()) {
            assertThatThrownBy(() -> noTopic.termination().get(FAST.toSeconds(), TimeUnit.SECONDS))
                    .cause().isInstanceOf(TopicAuthorizationException.class)
                    .hasMessage("Not authorized to access topics: [execq.results]");
        }
        assertThat(handled).isEmpty();
    }

    // ---- executors without one of their ACLs -----------------------------------------------------------------

    static Stream<Arguments> executorAcls() {
        return Stream.of(
                Arguments.of(ResourceType.TOPIC, "partial.requests", "execq serve: Not authorized to create topic "
                        + "partial.requests. If it exists, this principal may not see it"),
                Arguments.of(ResourceType.TOPIC, "partial.results", "execq serve: Not authorized to create topic "
                        + "partial.results. If it exists, this principal may not see it"),
                Arguments.of(ResourceType.TOPIC, "partial.dlt", "execq serve: Not authorized to create topic "
                        + "partial.dlt. If it exists, this principal may not see it"),
                Arguments.of(ResourceType.GROUP, "partial-executors", "execq executor stopped: "
                        + "org.apache.kafka.common.errors.GroupAuthorizationException: Not authorized to access "
                        + "group: partial-executors"),
                Arguments.of(ResourceType.TRANSACTIONAL_ID, "execq-executor-", "execq executor stopped: "
                        + "io.execq.executor.pipeline.FatalPublishException: Not authorized to use transactional id "
                        + "execq-executor-partial-1: grant the executor's principal WRITE on TransactionalId prefix "
                        + "execq-executor-"));
    }

    @ParameterizedTest(name = "without its ACL on {0} {1}")
    @MethodSource("executorAcls")
    void anExecutorMissingADocumentedAclStopsAtOnceNamingIt(ResourceType type, String name, String message) {
        List<AclBinding> all = acls.of("executor", "partial", PARTIAL);
        List<AclBinding> granted = all.stream().filter(b -> !(b.pattern().resourceType() == type
                && b.pattern().name().equals(name))).toList();
        assertThat(granted).hasSize(all.size() - 1);

        CliRun serve = withAcls(granted, this::servePartial);

        assertThat(serve.status()).isEqualTo(1);
        assertThat(serve.err()).startsWith(message).doesNotContain("\tat ");
    }

    @Test
    void anExecutorRefusedItsResultsTopicAtPublishStopsInsteadOfRunningTheRequestAgainAndAgain() throws Exception {
        // It may see the results topic (DESCRIBE) but not write to it: it starts, runs a request, and the result
        // transaction is refused. Aborting and retrying would loop forever; it must stop.
        List<AclBinding> granted = new ArrayList<>(acls.of("executor", "partial", PARTIAL).stream()
                .filter(b -> !b.pattern().name().equals("partial.results")).toList());
        granted.add(acl("partial", ResourceType.TOPIC, "partial.results", PatternType.LITERAL,
                AclOperation.DESCRIBE));
        try (KafkaProducer<String, byte[]> admin = new KafkaProducer<>(kafka.adminProperties(),
                new StringSerializer(), new ByteArraySerializer())) {
            var request = ExecutionRequests.command("true").isolation(Isolation.PROCESS).build();
            admin.send(new ProducerRecord<>("partial.requests", request.getRequestId(),
                    new ExecutionRequestSerializer().serialize("partial.requests", request))).get();
        }

        CliRun serve = withAcls(granted, this::servePartial);

        assertThat(serve.status()).isEqualTo(1);
        assertThat(serve.err()).isEqualTo("execq executor stopped: io.execq.executor.pipeline.FatalPublishException: "
                + "Cannot publish results any more: Not authorized to access topics: [partial.results]\n");
        try (Admin admin = kafka.admin()) {
            TopicPartition results = new TopicPartition("partial.results", 0);
            assertThat(admin.listOffsets(Map.of(results, OffsetSpec.latest())).partitionResult(results).get()
                    .offset()).as("records written to partial.results").isZero();
        }
    }

    @Test
    void anExecutorGrantedCreateOnItsTopicsCreatesThemItself() throws Exception {
        Map<String, String> created = Map.of(
                TopicSettings.DEFAULT_REQUESTS_TOPIC, "created.requests",
                TopicSettings.DEFAULT_RESULTS_TOPIC, "created.results",
                TopicSettings.DEFAULT_DEAD_LETTER_TOPIC, "created.dlt",
                ExecutorConfig.GROUP_ID.defaultValue(), "created-executors");
        List<AclBinding> granted = new ArrayList<>(acls.of("executor", "partial", created));
        for (String topic : List.of("created.requests", "created.results", "created.dlt")) {
            granted.add(acl("partial", ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.CREATE));
        }

        Optional<Throwable> failure = withAcls(granted, () -> {
            try (ExecutorInstance creating = ExecutorInstance.start(ExecutorConfig.of(Map.of(
                    "bootstrap-servers", kafka.bootstrapServers(), "embedded-kafka", "never", "http-port", "0",
                    "kafka-config", partial.writeConfig(dir).toString(), "request-partitions", "1",
                    "requests-topic", "created.requests", "results-topic", "created.results",
                    "dead-letter-topic", "created.dlt", "group-id", "created-executors")))) {
                return Optional.ofNullable(creating.failure());
            }
        });

        assertThat(failure).isEmpty();
        try (Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get()).contains("created.requests", "created.results",
                    "created.dlt");
        }
    }

    @Test
    void anOperatorGrantedCreateOnTheLedgerTopicCreatesIt() throws Exception {
        kafka.allow(Stream.concat(
                acls.of("operator", "creator", Map.of(Replayer.DEFAULT_REPLAYS_TOPIC, "created.replays")).stream(),
                Stream.of(acl("creator", ResourceType.TOPIC, "created.replays", PatternType.LITERAL,
                        AclOperation.CREATE))).toList());

        CliRun replay = execq(users.get("creator"), "replay", "--replays-topic", "created.replays",
                "--request-id", "no-such-request");

        assertThat(replay.status()).as(replay.err()).isZero();
        try (Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get()).contains("created.replays");
        }
    }

    @Test
    void anExecutorWithAWrongPasswordIsToldSoAndDoesNotStartAnEmbeddedBroker() {
        Path wrong = new Principal("partial-wrong", partial.withWrongPassword().clientProperties()).writeConfig(dir);

        CliRun serve = CliRun.of("serve", "--bootstrap-servers", kafka.bootstrapServers(), "--embedded-kafka", "auto",
                "--http-port", "0", "--kafka-config", wrong.toString());

        assertThat(serve.status()).isEqualTo(1);
        assertThat(serve.err()).startsWith("execq serve: Kafka at " + kafka.bootstrapServers() + " refused this "
                + "executor's credentials (security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512): "
                + "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                + "SCRAM-SHA-512. Check the --kafka-config file\n");
    }

    @Test
    void anExecutorWithoutSecuritySettingsIsToldTheBrokerNeedsThem() {
        CliRun serve = CliRun.of("serve", "--bootstrap-servers", kafka.bootstrapServers(), "--embedded-kafka", "auto",
                "--http-port", "0");

        // Not a refusal (the broker never got to authenticate anyone), so picocli's default report: the stack trace.
        assertThat(serve.status()).isEqualTo(1);
        assertThat(serve.err().lines().findFirst()).hasValue("java.lang.IllegalStateException: Something listens at "
                + kafka.bootstrapServers() + " but did not answer as a Kafka broker within 3 s with "
                + "security.protocol=PLAINTEXT; a broker that requires TLS or SASL needs its client settings in "
                + "--kafka-config");
    }

    private CliRun servePartial() {
        return CliRun.of("serve", "--bootstrap-servers", kafka.bootstrapServers(), "--embedded-kafka", "never",
                "--http-port", "0", "--kafka-config", partial.writeConfig(dir).toString(),
                "--executor-id", "partial-1",
                "--requests-topic", "partial.requests", "--results-topic", "partial.results",
                "--dead-letter-topic", "partial.dlt", "--group-id", "partial-executors");
    }

    /** Runs {@code action} with exactly {@code granted} for the partial principal, then takes them away again. */
    private static <T> T withAcls(List<AclBinding> granted, java.util.function.Supplier<T> action) {
        kafka.allow(granted);
        try {
            CompletableFuture<T> run = CompletableFuture.supplyAsync(action);
            try {
                return run.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the executor did not stop within 30 s", e);
            }
        } finally {
            kafka.deny(granted);
        }
    }
}
