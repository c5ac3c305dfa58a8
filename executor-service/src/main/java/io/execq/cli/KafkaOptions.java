package io.execq.cli;

import io.execq.executor.kafka.TopicSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to Kafka shares (a picocli mixin): where the brokers are, extra client
 * properties (TLS, SASL) from a properties file, and the three execq topic names.
 */
final class KafkaOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "127.0.0.1:9092",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*, ...).")
    Path kafkaConfig;

    @Option(names = "--requests-topic", paramLabel = "TOPIC", defaultValue = TopicSettings.DEFAULT_REQUESTS_TOPIC,
            description = "Requests topic (default: ${DEFAULT-VALUE}).")
    String requestsTopic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = TopicSettings.DEFAULT_RESULTS_TOPIC,
            description = "Results topic (default: ${DEFAULT-VALUE}).")
    String resultsTopic;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC",
            defaultValue = TopicSettings.DEFAULT_DEAD_LETTER_TOPIC,
            description = "Dead-letter topic (default: ${DEFAULT-VALUE}).")
    String deadLetterTopic;

    /**
     * The properties from {@code --kafka-config}, if given.
     *
     * @throws CommandLine.ParameterException (exit status 2) if the file cannot be read
     */
    Properties fileProperties() {
        Properties properties = new Properties();
        if (kafkaConfig != null) {
            try (Reader reader = Files.newBufferedReader(kafkaConfig)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(mixee.commandLine(),
                        "Cannot read --kafka-config " + kafkaConfig + ": " + e);
            }
        }
        return properties;
    }

    /**
     * {@link #fileProperties()} plus {@code bootstrap.servers}: the flag when given, else the file's
     * {@code bootstrap.servers}, else the flag's default.
     */
    Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        fileProperties().forEach((k, v) -> props.put(k.toString(), v));
        boolean flagGiven = mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--bootstrap-servers");
        if (flagGiven || !props.containsKey("bootstrap.servers")) {
            props.put("bootstrap.servers", bootstrapServers);
        }
        return props;
    }

    /** {@link #clientProperties()} as {@link Properties}, for the SDK builders. */
    Properties asProperties() {
        Properties properties = new Properties();
        properties.putAll(clientProperties());
        return properties;
    }
}
