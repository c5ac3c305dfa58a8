package io.execq.executor;

import io.execq.executor.sandbox.docker.GroupMembership;
import io.execq.executor.sandbox.docker.GroupScope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors' consumer group as its coordinator sees it, for the orphan reaper: this executor's {@link GroupScope}
 * (asked once) and, on each call, the executor ids of the group's members (their request consumers' client ids,
 * see {@link KafkaClients#REQUEST_CONSUMER_SUFFIX}). One admin client for the executor's life.
 */
final class KafkaGroupMembership implements GroupMembership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaGroupMembership.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Admin admin;
    private final String group;
    private final Optional<GroupScope> scope;

    private KafkaGroupMembership(Admin admin, String group, Optional<GroupScope> scope) {
        this.admin = admin;
        this.group = group;
        this.scope = scope;
    }

    /** Connects and reads the scope: the cluster id and the requests topic's id (which must exist by now). */
    static KafkaGroupMembership connect(ExecutorConfig config, String bootstrapServers) {
        Map<String, Object> props = KafkaClients.admin(config, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, config.executorId() + "-membership");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        Admin admin = Admin.create(props);
        String group = config.get(ExecutorConfig.GROUP_ID);
        return new KafkaGroupMembership(admin, group, scope(admin, config.get(ExecutorConfig.REQUESTS_TOPIC), group));
    }

    /** This executor's scope; empty when the cluster could not say it (no container is then judged by membership). */
    Optional<GroupScope> scope() {
        return scope;
    }

    @Override
    public Optional<Set<String>> liveExecutorIds() {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.of(description.members().stream().map(MemberDescription::clientId)
                    .map(KafkaClients::executorIdOfMember).flatMap(Optional::stream).collect(Collectors.toSet()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Optional.of(Set.of()); // no member at all
            }
            LOG.debug("cannot describe consumer group {}: {}", group, e.getCause().toString());
            return Optional.empty();
        } catch (TimeoutException | RuntimeException e) {
            LOG.debug("cannot describe consumer group {}: {}", group, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        admin.close(TIMEOUT);
    }

    private static Optional<GroupScope> scope(Admin admin, String topic, String group) {
        try {
            String clusterId = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            Uuid topicId = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .topicId();
            if (clusterId == null || topicId == null || Uuid.ZERO_UUID.equals(topicId)) {
                LOG.warn("Kafka did not name its cluster id ({}) or the id of {} ({}): containers of executors that "
                        + "died are removed by age only", clusterId, topic, topicId);
                return Optional.empty();
            }
            return Optional.of(new GroupScope(clusterId, topicId.toString(), group));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Cannot read the Kafka cluster id and the id of {} ({}): containers of executors that died are "
                    + "removed by age only", topic, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
