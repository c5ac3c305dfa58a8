package io.execq.executor.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.testing.ExecqTopics;
import io.execq.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The group's lag against a real broker: end offset minus committed offset, or minus the start where none is. */
class GroupLagIT {

    @Test
    void lagIsTheEndOffsetMinusTheGroupsCommittedOffset() throws Exception {
        String bootstrap = TestKafka.shared().bootstrapServers();
        ExecqTopics topics = ExecqTopics.create(bootstrap, 2);
        String group = "lag-it-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topics.requests(), 0, "k", "v" + i));
            }
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topics.requests(), 1, "k", "v" + i));
            }
        }
        Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin offsets = Admin.create(admin)) {
            offsets.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topics.requests(), 0),
                    new OffsetAndMetadata(4))).all().get();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (GroupLag lag = new GroupLag(Admin.create(admin), group, topics.requests(), registry)) {
            lag.refresh();

            assertThat(lag.lag(0)).as("10 records, committed up to 4").isEqualTo(6.0);
            assertThat(lag.lag(1)).as("nothing committed: every record").isEqualTo(3.0);
            assertThat(registry.get("execq.consumer.group.lag").tag("partition", "0").tag("group", group)
                    .tag("topic", topics.requests()).gauge().value()).isEqualTo(6.0);
        }
    }
}
