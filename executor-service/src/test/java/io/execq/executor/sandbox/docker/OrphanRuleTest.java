package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.docker.OrphanRule.Observation;
import io.execq.executor.sandbox.docker.OrphanRule.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrphanRuleTest {

    private static final GroupScope SCOPE = new GroupScope("cluster-1", "topic-id-1", "group-1");
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final Duration MAX_AGE = Duration.ofMinutes(15);
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final OrphanRule RULE = new OrphanRule("me", Optional.of(SCOPE), MAX_AGE, GRACE);

    /** The coordinator's answers 10 s and 5 s ago. */
    private static List<Observation> answers(Set<String> earlier, Set<String> latest) {
        return List.of(new Observation(NOW.minusSeconds(10), earlier), new Observation(NOW.minusSeconds(5), latest));
    }

    private static Map<String, String> labels(String owner, GroupScope scope) {
        Map<String, String> labels = new HashMap<>(HardenedHostConfig.labels("req", owner, NOW));
        labels.putAll(scope.labels());
        return labels;
    }

    private static Optional<Reason> judge(Map<String, String> labels, Duration age, List<Observation> recent) {
        return RULE.periodic(labels, NOW.minus(age), NOW, recent);
    }

    @Test
    void anOwnerAbsentFromTwoAnswersLeavesAnOrphan() {
        assertThat(judge(labels("dead", SCOPE), Duration.ofMinutes(1), answers(Set.of("me"), Set.of("me"))))
                .hasValue(Reason.OWNER_GONE);
    }

    @Test
    void oneAnswerIsNotEnough() {
        assertThat(judge(labels("dead", SCOPE), Duration.ofMinutes(1),
                List.of(new Observation(NOW.minusSeconds(5), Set.of("me"))))).isEmpty();
        assertThat(judge(labels("dead", SCOPE), Duration.ofMinutes(1), List.of())).isEmpty();
    }

    @Test
    void anOwnerListedInEitherAnswerIsAlive() {
        assertThat(judge(labels("other", SCOPE), Duration.ofMinutes(1), answers(Set.of("me", "other"), Set.of("me"))))
                .as("left since the earlier answer: a session that lapsed may come back").isEmpty();
        assertThat(judge(labels("other", SCOPE), Duration.ofMinutes(1), answers(Set.of("me"), Set.of("me", "other"))))
                .as("joined since the earlier answer").isEmpty();
    }

    @Test
    void aContainerYoungerThanTheGraceIsNeverJudgedByMembership() {
        // An executor creates warm-pool containers before its consumer has joined the group.
        assertThat(judge(labels("starting", SCOPE), GRACE.minusSeconds(1), answers(Set.of("me"), Set.of("me"))))
                .isEmpty();
        assertThat(judge(labels("starting", SCOPE), GRACE, answers(Set.of("me"), Set.of("me"))))
                .hasValue(Reason.OWNER_GONE);
    }

    @Test
    void bothAnswersMustBeLaterThanTheContainer() {
        List<Observation> old = List.of(new Observation(NOW.minusSeconds(120), Set.of("me")),
                new Observation(NOW.minusSeconds(5), Set.of("me")));

        assertThat(judge(labels("dead", SCOPE), Duration.ofSeconds(60), old)).isEmpty();
        assertThat(judge(labels("dead", SCOPE), Duration.ofSeconds(121), old)).hasValue(Reason.OWNER_GONE);
    }

    @Test
    void neverJudgesItsOwnContainersByMembership() {
        assertThat(judge(labels("me", SCOPE), Duration.ofMinutes(1), answers(Set.of(), Set.of()))).isEmpty();
    }

    @Test
    void neverJudgesContainersOfAnotherScopeOrNoneByMembership() {
        List<Observation> empty = answers(Set.of(), Set.of());
        for (GroupScope other : List.of(new GroupScope("cluster-2", "topic-id-1", "group-1"),
                new GroupScope("cluster-1", "topic-id-2", "group-1"), new GroupScope("cluster-1", "topic-id-1", "g2"))) {
            assertThat(judge(labels("dead", other), Duration.ofMinutes(1), empty)).as("%s", other).isEmpty();
        }
        assertThat(judge(HardenedHostConfig.labels("req", "dead", NOW), Duration.ofMinutes(1), empty)).isEmpty();
        Map<String, String> partly = new HashMap<>(labels("dead", SCOPE));
        partly.remove(GroupScope.LABEL_REQUESTS_TOPIC_ID);
        assertThat(judge(partly, Duration.ofMinutes(1), empty)).isEmpty();
    }

    @Test
    void anExecutorWithoutAScopeJudgesNothingByMembership() {
        OrphanRule unscoped = new OrphanRule("me", Optional.empty(), MAX_AGE, GRACE);

        assertThat(unscoped.periodic(labels("dead", SCOPE), NOW.minusSeconds(60), NOW, answers(Set.of(), Set.of())))
                .isEmpty();
    }

    @Test
    void anythingOlderThanTheMaximumAgeIsAnOrphanWhoeverOwnsIt() {
        assertThat(judge(labels("me", SCOPE), MAX_AGE, List.of())).hasValue(Reason.AGE);
        assertThat(judge(HardenedHostConfig.labels("req", "someone", NOW), MAX_AGE.plusSeconds(1), List.of()))
                .hasValue(Reason.AGE);
        assertThat(judge(labels("alive", SCOPE), MAX_AGE.minusSeconds(1), answers(Set.of("alive"), Set.of("alive"))))
                .isEmpty();
    }

    @Test
    void atStartUpTakesItsOwnIdInItsScopeOrNone() {
        assertThat(RULE.atStartUp(labels("me", SCOPE))).hasValue(Reason.OWN_PREVIOUS_LIFE);
        assertThat(RULE.atStartUp(HardenedHostConfig.labels("req", "me", NOW))).hasValue(Reason.OWN_PREVIOUS_LIFE);
        assertThat(RULE.atStartUp(labels("me", new GroupScope("cluster-1", "topic-id-1", "g2"))))
                .as("another deployment that uses the same executor id").isEmpty();
        assertThat(RULE.atStartUp(labels("other", SCOPE))).isEmpty();
    }
}
