package io.execq.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

/** How an executor reports a Kafka it cannot use; a real secured broker refusing it: KafkaAccessControlIT. */
class KafkaBootstrapTest {

    @Test
    void aRefusedLoginNamesTheBrokerTheSecuritySettingsAndTheCause() {
        ExecutorConfig config = ExecutorConfig.of(Map.of("kafka-property", "security.protocol=SASL_SSL"));

        IllegalStateException error = KafkaBootstrap.refusedCredentials(config, "kafka:9093",
                new SaslAuthenticationException("Authentication failed: invalid credentials"));

        assertThat(error).hasMessage("Kafka at kafka:9093 refused this executor's credentials (security.protocol="
                + "SASL_SSL): Authentication failed: invalid credentials. Check the --kafka-config file");
        assertThat(error).hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void securitySettingsNameTheSaslMechanismOnlyForSasl() {
        assertThat(KafkaBootstrap.security(ExecutorConfig.of(Map.of()))).isEqualTo("security.protocol=PLAINTEXT");
        ExecutorConfig sasl = ExecutorConfig.from(Map.of("kafka-property",
                java.util.List.of("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-512")), Map.of());
        assertThat(KafkaBootstrap.security(sasl))
                .isEqualTo("security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512");
        ExecutorConfig ssl = ExecutorConfig.from(Map.of("kafka-property",
                java.util.List.of("security.protocol=SSL", "sasl.mechanism=PLAIN")), Map.of());
        assertThat(KafkaBootstrap.security(ssl)).isEqualTo("security.protocol=SSL");
    }
}
