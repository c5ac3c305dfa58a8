package io.execq.sdk.replay;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.serde.ExecutionRequestSerializer;
import io.execq.sdk.internal.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * Replays dead-lettered requests: reads the dead-letter topic, selects records with a {@link ReplayFilter}, and
 * re-publishes each selected request to the requests topic as a new request (new {@code requestId},
 * {@code attempt + 1}, {@code replayOf} = the original id).
 *
 * <h2>Never the same failure twice</h2>
 * Every replayed dead letter gets an entry in a compacted ledger topic ({@value #DEFAULT_REPLAYS_TOPIC} by default),
 * keyed by the dead letter's {@code topic/partition/offset} and holding the new request id. The entries and the
 * replayed requests are written in one Kafka transaction, and the ledger is read ({@code read_committed}) before
 * anything is chosen, so a dead letter whose replay committed is reported as
 * {@link ReplayOutcome.Action#ALREADY_REPLAYED} and never published again.
 *
 * <h2>Two operators at once</h2>
 * A transactional id per run would not exclude anything: two runs could both read the ledger before either
 * commits, and both would replay the same records. Instead every replay of one dead-letter topic uses the same
 * transactional id, {@code execq-replay-<dead-letter topic>}. A run first calls {@code initTransactions()}, which
 * makes the broker finish (commit or abort) any transaction of an earlier run and fence that run's producer; only
 * then does it read the ledger. So the later run sees everything the earlier one committed, and the earlier run,
 * if it had not committed yet, fails at commit with {@link ReplayConflictException} having published nothing. At
 * most one run's transaction commits for any ledger state it read; the loser is told to run again.
 *
 * <h2>What is not replayed</h2>
 * Records whose value is not a readable request ({@code UNDECODABLE}) and requests that no longer pass
 * {@link io.execq.sdk.ExecutionRequests#validate validation} are listed as {@link ReplayOutcome.Action#NOT_REPLAYABLE}.
 *
 * <p>Instances hold no connections: each {@link #replay} call opens and closes its own Kafka clients. Thread-safe.
 */
public final class Replayer {

    public static final String DEFAULT_DEAD_LETTER_TOPIC = "execq.requests.dlt";
    public static final String DEFAULT_REQUESTS_TOPIC = "execq.requests";
    public static final String DEFAULT_REPLAYS_TOPIC = "execq.replays";
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> kafkaProperties;
    private final String deadLetterTopic;
    private final String requestsTopic;
    private final ReplayLedger ledger;
    private final Clock clock;
    private final Supplier<String> ids;
    private final Duration readTimeout;

    private Replayer(Builder builder) {
        this.kafkaProperties = Map.copyOf(builder.kafkaProperties);
        this.deadLetterTopic = builder.deadLetterTopic;
        this.requestsTopic = builder.requestsTopic;
        this.ledger = new ReplayLedger(builder.replaysTopic);
        this.clock = builder.clock;
        this.ids = () -> UUID.randomUUID().toString();
        this.readTimeout = builder.readTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The transactional id every replay of {@code deadLetterTopic} shares; see the class comment. */
    public static String transactionalId(String deadLetterTopic) {
        return "execq-replay-" + deadLetterTopic;
    }

    /**
     * Lists the dead letters {@code filter} selects (oldest first, by dead-letter time, then partition and offset)
     * and, unless {@code dryRun}, replays those that can be replayed, in one transaction.
     *
     * @param dryRun when true nothing is written (not even the ledger topic is created); replayable records are
     *     reported as {@link ReplayOutcome.Action#WOULD_REPLAY} with the id they would get
     * @return one outcome per selected dead letter, in the order above
     * @throws ReplayConflictException if another replay of the same dead-letter topic fenced this one; nothing was
     *     published
     * @throws IllegalStateException if a topic does not exist or cannot be read within the read timeout, or this
     *     principal may not use the replay transactional id ({@link #transactionalId})
     * @throws InterruptedException if interrupted while talking to Kafka
     */
    public List<ReplayOutcome> replay(ReplayFilter filter, boolean dryRun) throws InterruptedException {
        Objects.requireNonNull(filter, "filter");
        KafkaSettings settings = new KafkaSettings(null, kafkaProperties);
        try (Admin admin = Admin.create(new HashMap<>(kafkaProperties))) {
            if (dryRun) {
                return plan(filter, settings, ledger.exists(admin), true);
            }
            ledger.ensureTopic(admin);
        }
        Map<String, Object> producerProps = settings.producer();
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(deadLetterTopic));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
            // Fences any earlier run and waits for its transaction to end, so the ledger read below is complete.
            initTransactions(producer);
            List<ReplayOutcome> outcomes = plan(filter, settings, true, false);
            publish(producer, outcomes);
            return outcomes;
        }
    }

    /** Kafka's refusal does not name the transactional id; the operator needs it to fix the ACL. */
    private void initTransactions(KafkaProducer<byte[], byte[]> producer) {
        try {
            producer.initTransactions();
        } catch (TransactionalIdAuthorizationException e) {
            throw new IllegalStateException("Not authorized to use transactional id "
                    + transactionalId(deadLetterTopic) + ": grant this principal WRITE on TransactionalId "
                    + transactionalId(deadLetterTopic) + " (" + e.getMessage() + ")", e);
        }
    }

    private List<ReplayOutcome> plan(ReplayFilter filter, KafkaSettings settings, boolean ledgerExists,
            boolean dryRun) {
        Map<String, String> replayed;
        List<DeadLetter> deadLetters;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.resultReader())) {
            replayed = ledgerExists ? ledger.read(consumer, readTimeout) : Map.of();
            deadLetters = new DeadLetterReader().readAll(consumer, deadLetterTopic, readTimeout);
        }
        List<DeadLetter> selected = deadLetters.stream().filter(filter::matches)
                .sorted(Comparator.comparing((DeadLetter d) -> d.failedAt() == null ? java.time.Instant.MIN
                                : d.failedAt())
                        .thenComparingInt(DeadLetter::partition).thenComparingLong(DeadLetter::offset))
                .limit(filter.limit() == 0 ? Long.MAX_VALUE : filter.limit())
                .toList();
        List<ReplayOutcome> outcomes = new ArrayList<>();
        for (DeadLetter deadLetter : selected) {
            outcomes.add(decide(deadLetter, replayed.get(deadLetter.position()), dryRun));
        }
        return outcomes;
    }

    private ReplayOutcome decide(DeadLetter deadLetter, String earlierReplay, boolean dryRun) {
        if (earlierReplay != null) {
            return new ReplayOutcome(deadLetter, ReplayOutcome.Action.ALREADY_REPLAYED, earlierReplay,
                    "replayed before as " + earlierReplay);
        }
        if (deadLetter.undecodable()) {
            return new ReplayOutcome(deadLetter, ReplayOutcome.Action.NOT_REPLAYABLE, null,
                    "undecodable: " + deadLetter.detail());
        }
        try {
            String newId = ids.get();
            ReplayRequests.replay(deadLetter.request(), newId, clock.instant());
            return new ReplayOutcome(deadLetter,
                    dryRun ? ReplayOutcome.Action.WOULD_REPLAY : ReplayOutcome.Action.REPLAYED, newId, "");
        } catch (IllegalArgumentException e) {
            return new ReplayOutcome(deadLetter, ReplayOutcome.Action.NOT_REPLAYABLE, null,
                    "invalid request: " + e.getMessage());
        }
    }

    private void publish(KafkaProducer<byte[], byte[]> producer, List<ReplayOutcome> outcomes) {
        List<ReplayOutcome> toReplay = outcomes.stream()
                .filter(o -> o.action() == ReplayOutcome.Action.REPLAYED).toList();
        if (toReplay.isEmpty()) {
            return;
        }
        try (ExecutionRequestSerializer serializer = new ExecutionRequestSerializer()) {
            producer.beginTransaction();
            for (ReplayOutcome outcome : toReplay) {
                ExecutionRequest request = ReplayRequests.replay(outcome.deadLetter().request(),
                        outcome.newRequestId(), clock.instant());
                producer.send(new ProducerRecord<>(requestsTopic,
                        request.getRequestId().getBytes(StandardCharsets.UTF_8),
                        serializer.serialize(requestsTopic, request)));
                producer.send(ledger.entry(outcome.deadLetter(), outcome.newRequestId()));
            }
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new ReplayConflictException("another replay of " + deadLetterTopic + " started while this one ran;"
                    + " this run published nothing. Run the replay again to see what is left.", e);
        }
    }

    /** Configures a {@link Replayer}; every setter checks its value at once. */
    public static final class Builder {
        private final Map<String, Object> kafkaProperties = new LinkedHashMap<>();
        private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
        private String requestsTopic = DEFAULT_REQUESTS_TOPIC;
        private String replaysTopic = DEFAULT_REPLAYS_TOPIC;
        private Clock clock = Clock.systemUTC();
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;

        private Builder() {
        }

        /** {@code host:port} pairs, comma-separated. Required, unless given as the bootstrap.servers property. */
        public Builder bootstrapServers(String bootstrapServers) {
            return kafkaProperty("bootstrap.servers", requireNotBlank(bootstrapServers, "bootstrapServers"));
        }

        /** One Kafka client property (TLS, SASL, ...) for every client the replay opens. */
        public Builder kafkaProperty(String key, Object value) {
            kafkaProperties.put(requireNotBlank(key, "kafka property key"),
                    Objects.requireNonNull(value, "kafka property " + key));
            return this;
        }

        public Builder kafkaProperties(Properties properties) {
            Objects.requireNonNull(properties, "properties").forEach((k, v) -> kafkaProperty(k.toString(), v));
            return this;
        }

        /** Default: {@value Replayer#DEFAULT_DEAD_LETTER_TOPIC}. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = requireNotBlank(topic, "deadLetterTopic");
            return this;
        }

        /** Where replayed requests are published. Default: {@value Replayer#DEFAULT_REQUESTS_TOPIC}. */
        public Builder requestsTopic(String topic) {
            this.requestsTopic = requireNotBlank(topic, "requestsTopic");
            return this;
        }

        /** The compacted ledger of replayed dead letters. Default: {@value Replayer#DEFAULT_REPLAYS_TOPIC}. */
        public Builder replaysTopic(String topic) {
            this.replaysTopic = requireNotBlank(topic, "replaysTopic");
            return this;
        }

        /** Stamps {@code submittedAt} of replayed requests. Default: the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long reading a topic to its end may take. Default: 60 seconds. */
        public Builder readTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("readTimeout must be positive, got " + timeout);
            }
            this.readTimeout = timeout;
            return this;
        }

        /**
         * @throws IllegalArgumentException if no bootstrap servers were given or two topics are the same
         */
        public Replayer build() {
            if (!kafkaProperties.containsKey("bootstrap.servers")) {
                throw new IllegalArgumentException("bootstrapServers must be set");
            }
            if (deadLetterTopic.equals(requestsTopic) || deadLetterTopic.equals(replaysTopic)
                    || requestsTopic.equals(replaysTopic)) {
                throw new IllegalArgumentException("the dead-letter, requests and replays topics must be distinct, got "
                        + deadLetterTopic + ", " + requestsTopic + ", " + replaysTopic);
            }
            return new Replayer(this);
        }

        private static String requireNotBlank(String value, String name) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
