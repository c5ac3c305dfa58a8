package io.execq.cli;

import io.execq.executor.kafka.EmbeddedKafka;
import io.execq.executor.kafka.TopicSettings;
import io.execq.executor.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code execq broker}: a single-node Kafka broker in the foreground, with the execq topics created. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft) on 127.0.0.1 in the foreground, "
                + "with the execq topics created. Stop it with Ctrl-C or SIGTERM.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = "${sys:user.home}/.execq/broker",
            description = "Where the broker keeps its log; reused across restarts (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--request-partitions", defaultValue = "" + TopicSettings.DEFAULT_REQUEST_PARTITIONS,
            description = "Partitions of the requests topic when it is created (default: ${DEFAULT-VALUE}).")
    int requestPartitions;

    @Override
    public Integer call() throws Exception {
        TopicSettings topics = TopicSettings.defaults((short) 1).withRequestPartitions(requestPartitions);
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, port, Map.of(), Duration.ofSeconds(60));
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "execq-broker-shutdown"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            new Topics(admin).ensure(topics);
        }
        System.out.println("execq broker listening on " + kafka.bootstrapServers() + " (data: " + dataDir
                + "; broker log: " + LogLocation.kafkaLog() + ")");
        System.out.flush();
        kafka.awaitShutdown();
        return 0;
    }
}
