package io.execq.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    @Test
    void producerIsIdempotentWithAcksAllEvenIfTheUserAsksOtherwise() {
        KafkaSettings settings = new KafkaSettings("127.0.0.1:9092", Map.of("acks", "1",
                "enable.idempotence", "false", "security.protocol", "SSL", "value.serializer", "x"));

        Map<String, Object> producer = settings.producer();

        assertThat(producer).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("security.protocol", "SSL").containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("value.serializer", ByteArraySerializer.class)
                .containsEntry("max.request.size", 16 << 20);
        assertThat(settings.maxRequestBytes()).isEqualTo(16 << 20);
    }

    @Test
    void maxRequestSizeMayBeLowered() {
        KafkaSettings settings = new KafkaSettings("127.0.0.1:9092", Map.of("max.request.size", "1048576"));

        assertThat(settings.maxRequestBytes()).isEqualTo(1 << 20);
    }

    @Test
    void resultReaderReadsCommittedWithoutGroupOrTopicCreation() {
        Map<String, Object> reader = new KafkaSettings("127.0.0.1:9092",
                Map.of("group.id", "g", "isolation.level", "read_uncommitted")).resultReader();

        assertThat(reader).doesNotContainKey("group.id").containsEntry("isolation.level", "read_committed")
                .containsEntry("allow.auto.create.topics", false).containsEntry("enable.auto.commit", false)
                .containsEntry("max.partition.fetch.bytes", 16 << 20);
    }

    @Test
    void subscriberUsesItsGroupManualCommitsAndReadCommitted() {
        Map<String, Object> subscriber = new KafkaSettings("127.0.0.1:9092",
                Map.of("group.id", "other", "enable.auto.commit", "true", "auto.offset.reset", "latest"))
                .subscriber("billing");

        assertThat(subscriber).containsEntry("group.id", "billing").containsEntry("enable.auto.commit", false)
                .containsEntry("isolation.level", "read_committed").containsEntry("auto.offset.reset", "latest");
    }

    @Test
    void bootstrapServersAreRequired() {
        assertThatThrownBy(() -> new KafkaSettings(null, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bootstrapServers must be set");
        assertThat(new KafkaSettings(null, Map.of("bootstrap.servers", "127.0.0.1:1")).producer())
                .containsEntry("bootstrap.servers", "127.0.0.1:1");
    }
}
