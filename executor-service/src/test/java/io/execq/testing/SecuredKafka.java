package io.execq.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A Kafka broker that authenticates and authorizes its clients, for the access-control tests: Testcontainers'
 * {@link KafkaContainer} on the locally built {@code apache/kafka} image with
 * <ul>
 *   <li>the published (loopback) listener on {@code SASL_PLAINTEXT}, mechanisms {@code SCRAM-SHA-512} for the
 *       principals under test and {@code PLAIN} for one static super user, {@code admin}, that creates the SCRAM
 *       users ({@code alterUserScramCredentials}) and the ACLs ({@code createAcls}) — SCRAM users live in the
 *       cluster metadata, so somebody must already be able to log in to create the first one;</li>
 *   <li>{@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}: no ACL, no access;</li>
 *   <li>the controller and inter-broker listeners stay {@code PLAINTEXT} inside the container (never published), so
 *       the node talks to itself as {@code User:ANONYMOUS}, which is a super user for that reason only.</li>
 * </ul>
 * One per test class: start it in {@code @BeforeAll}, close it in {@code @AfterAll}.
 */
public final class SecuredKafka implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_512;
    private static final String ADMIN_PASSWORD = "admin-secret";

    private final KafkaContainer container;

    private SecuredKafka(KafkaContainer container) {
        this.container = container;
    }

    public static SecuredKafka start() {
        DockerAvailability.requireDocker();
        KafkaContainer container = TestKafka.singleNodeContainer()
                // Testcontainers names the published listener PLAINTEXT; its protocol is what counts.
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                        "BROKER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
                .withEnv("KAFKA_SASL_ENABLED_MECHANISMS", MECHANISM.mechanismName() + ",PLAIN")
                .withEnv("KAFKA_LISTENER_NAME_PLAINTEXT_SCRAM___SHA___512_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .withEnv("KAFKA_LISTENER_NAME_PLAINTEXT_PLAIN_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + ADMIN + "=\""
                                + ADMIN_PASSWORD + "\";")
                .withEnv("KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .withEnv("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false")
                .withEnv("KAFKA_SUPER_USERS", "User:" + ADMIN + ";User:ANONYMOUS")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                // One partition instead of 50: the first transaction would otherwise wait for 50 to be created.
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "1")
                // ~10 s normally; on a machine shared with other builds the default 60 s has run out.
                .withStartupTimeout(Duration.ofMinutes(3));
        container.start();
        return new SecuredKafka(container);
    }

    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    /** The super user's client properties (SASL/PLAIN). */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + ADMIN + "\" password=\"" + ADMIN_PASSWORD + "\";");
        return props;
    }

    public Admin admin() {
        return Admin.create(adminProperties());
    }

    /** Creates (or replaces) the SCRAM credentials of {@code users}, in one request; returns them by name. */
    public Map<String, Principal> createUsers(String... users) {
        List<String> names = List.of(users);
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(names.stream().map(user -> (UserScramCredentialAlteration)
                    new UserScramCredentialUpsertion(user, new ScramCredentialInfo(MECHANISM, 4096), password(user)))
                    .toList()).all().get();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    admin.describeUserScramCredentials(names).all().get().keySet().containsAll(names));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create SCRAM users " + names, e.getCause());
        }
        Map<String, Principal> principals = new HashMap<>();
        names.forEach(user -> principals.put(user, new Principal(user, clientProperties(user, password(user)))));
        return principals;
    }

    private static String password(String user) {
        return user + "-pw";
    }

    /** Creates ALLOW ACLs and waits until the broker's authorizer reports them. */
    public void allow(List<AclBinding> bindings) {
        try (Admin admin = admin()) {
            admin.createAcls(bindings).all().get();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(bindings));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create ACLs " + bindings, e.getCause());
        }
    }

    /** Removes ACLs and waits until the broker's authorizer no longer reports them. */
    public void deny(List<AclBinding> bindings) {
        try (Admin admin = admin()) {
            admin.deleteAcls(bindings.stream().map(AclBinding::toFilter).toList()).all().get();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.describeAcls(AclBindingFilter.ANY).values().get()
                    .stream().noneMatch(bindings::contains));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot delete ACLs " + bindings, e.getCause());
        }
    }

    /** An ALLOW ACL for {@code user} on a resource, from any host. */
    public static AclBinding acl(String user, ResourceType type, String name, PatternType pattern,
                                 AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private Map<String, Object> clientProperties(String user, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, MECHANISM.mechanismName());
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + user + "\" password=\"" + password + "\";");
        return props;
    }

    @Override
    public void close() {
        container.stop();
    }

    /** A SCRAM user and the client properties it logs in with. */
    public record Principal(String name, Map<String, Object> clientProperties) {

        public Properties properties() {
            Properties properties = new Properties();
            properties.putAll(clientProperties);
            return properties;
        }

        /** The client properties as a {@code --kafka-config} file in {@code dir} (without bootstrap.servers). */
        public Path writeConfig(Path dir) {
            Properties file = properties();
            file.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            Path path = dir.resolve(name + ".properties");
            try (Writer out = Files.newBufferedWriter(path)) {
                file.store(out, "Kafka client properties of principal " + name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return path;
        }

        /** The same login with another password: authentication must fail. */
        public Principal withWrongPassword() {
            Map<String, Object> props = new HashMap<>(clientProperties);
            props.put(SaslConfigs.SASL_JAAS_CONFIG, props.get(SaslConfigs.SASL_JAAS_CONFIG).toString()
                    .replace("password=\"" + password(name) + "\"", "password=\"wrong\""));
            return new Principal(name, props);
        }
    }
}
