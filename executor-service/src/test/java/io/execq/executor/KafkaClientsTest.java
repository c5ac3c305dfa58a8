package io.execq.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    @Test
    void anExecutorIsRecognisedAmongGroupMembersByItsRequestConsumersClientId() {
        ExecutorConfig config = ExecutorConfig.of(Map.of("executor-id", "exec-7",
                "kafka-property", "client.id=operator-choice"));
        String clientId = (String) KafkaClients.requestConsumer(config, "127.0.0.1:9092")
                .get(ConsumerConfig.CLIENT_ID_CONFIG);

        assertThat(clientId).isEqualTo("exec-7-requests");
        assertThat(KafkaClients.executorIdOfMember(clientId)).hasValue("exec-7");
        assertThat(KafkaClients.executorIdOfMember("exec-7-results")).isEmpty();
        assertThat(KafkaClients.executorIdOfMember("-requests")).isEmpty();
        assertThat(KafkaClients.executorIdOfMember(null)).isEmpty();
    }
}
