package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * execq's seccomp profile as derived from Docker's default: what it refuses, what it keeps, and that every rule has
 * a shape runc applies as written. The IT {@code DockerSeccompIT} checks the same from inside a container.
 */
class SeccompProfilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CLONE_NEWUSER = 0x10000000L;

    private final JsonNode docker = read(SeccompProfiles.dockerDefault());
    private final JsonNode execq = read(SeccompProfiles.execqDefault().json());

    @Test
    void startsFromTheDefaultProfileShippedWithDockerd_20_10_24() {
        // sha256sum of Debian's golang-github-docker-docker-dev 20.10.24+dfsg1-1+deb12u1 profiles/seccomp/default.json
        assertThat(SeccompProfiles.sha256(SeccompProfiles.dockerDefault().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("e5e91f884647e7332b3f89280777752f563df4f1372a186f14ddb7bf2f55cf61");
        assertThat(SeccompProfiles.execqDefault().name()).isEqualTo("execq-default");
        assertThat(execq.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    }

    @Test
    void keepsOnlyTheNativeSystemCallAbiOfEachArchitecture() {
        assertThat(execq.get("archMap")).hasSameSizeAs(docker.get("archMap"));
        for (int i = 0; i < docker.get("archMap").size(); i++) {
            assertThat(execq.get("archMap").get(i).get("architecture"))
                    .isEqualTo(docker.get("archMap").get(i).get("architecture"));
            assertThat(execq.get("archMap").get(i).get("subArchitectures")).isEmpty();
        }
        assertThat(docker.get("archMap").get(0).get("subArchitectures").toString())
                .isEqualTo("[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
    }

    @Test
    void noRuleAllowsTheRefusedSyscallsWhateverTheCapabilities() {
        Set<String> refused = new HashSet<>(SeccompProfiles.DENIED);
        refused.add("socketcall");

        for (JsonNode rule : execq.get("syscalls")) {
            assertThat(names(rule)).as("rule %s", rule).doesNotContainAnyElementsOf(refused);
        }
        assertThat(SeccompProfiles.DENIED).contains("io_uring_setup", "io_uring_enter", "io_uring_register",
                "add_key", "request_key", "keyctl", "userfaultfd", "perf_event_open", "bpf", "unshare");
    }

    @Test
    void keepsEveryOtherUnconditionalAllowanceOfDockersProfile() {
        Set<String> expected = names(docker.get("syscalls").get(0));
        expected.removeAll(SeccompProfiles.DENIED);
        expected.removeAll(Set.of("socket", "socketcall"));

        assertThat(names(execq.get("syscalls").get(0))).isEqualTo(expected);
        assertThat(execq.get("syscalls").get(0).get("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
    }

    @Test
    void allowsSocketForEveryFamilyButAlgAndVsockJudgedOnTheLow32BitsTheKernelReads() {
        List<JsonNode> socketRules = rulesNaming(execq, "socket");

        for (long family = 0; family < SeccompProfileBuilder.FAMILY_LIMIT; family++) {
            boolean expected = family != 38 && family != 40;
            assertThat(socketAllowed(socketRules, family)).as("family %d", family).isEqualTo(expected);
            assertThat(socketAllowed(socketRules, family | 0x1_0000_0000L)).as("family %d, high bits", family)
                    .isEqualTo(expected);
        }
        assertThat(socketAllowed(socketRules, 64)).isFalse();
        assertThat(socketAllowed(socketRules, 0xFFFF_FFFFL)).isFalse();
    }

    @Test
    void noRuleComparesOneArgumentTwiceWhichRuncWouldTurnIntoAlternatives() {
        for (JsonNode rule : execq.get("syscalls")) {
            List<Integer> indexes = StreamSupport.stream(rule.path("args").spliterator(), false)
                    .map(arg -> arg.get("index").asInt()).collect(Collectors.toList());
            assertThat(indexes).as("rule %s", rule).doesNotHaveDuplicates();
        }
    }

    @Test
    void allowsCloneOnlyWithoutNamespaceFlagsEvenWithCapabilities() {
        List<JsonNode> cloneRules = rulesNaming(execq, "clone");

        assertThat(cloneRules).isNotEmpty().allSatisfy(rule -> {
            assertThat(rule.path("includes").path("caps").size()).isZero();
            assertThat(rule.path("excludes").path("caps").size()).isZero();
            assertThat(rule.get("args")).hasSize(1);
            JsonNode arg = rule.get("args").get(0);
            assertThat(arg.get("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
            assertThat(arg.get("value").asLong() & CLONE_NEWUSER).isEqualTo(CLONE_NEWUSER);
            assertThat(arg.path("valueTwo").asLong()).isZero();
        });
    }

    @Test
    void answersClone3WithEnosysSoLibcFallsBackToClone() {
        List<JsonNode> clone3 = rulesNaming(execq, "clone3");

        assertThat(clone3).allSatisfy(rule -> {
            assertThat(rule.get("action").asText()).isEqualTo("SCMP_ACT_ERRNO");
            assertThat(rule.path("excludes").path("caps").size()).isZero();
        });
        assertThat(clone3).anySatisfy(rule -> {
            assertThat(rule.get("errnoRet").asInt()).isEqualTo(38); // ENOSYS on x86-64 and arm64
            assertThat(rule.path("includes").path("arches").size()).isZero();
        });
    }

    @Test
    void letsClone3ThroughToGvisorWhichAnswersEnosysItselfAndChangesNothingElse() throws Exception {
        JsonNode gvisor = read(SeccompProfiles.forGvisor(SeccompProfiles.execqDefault()).json());

        assertThat(rulesNaming(gvisor, "clone3")).singleElement()
                .satisfies(rule -> assertThat(rule.toString()).isEqualTo("{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ALLOW\"}"));
        ((com.fasterxml.jackson.databind.node.ArrayNode) gvisor.get("syscalls")).removeIf(r -> names(r).contains("clone3"));
        ((com.fasterxml.jackson.databind.node.ArrayNode) execq.get("syscalls")).removeIf(r -> names(r).contains("clone3"));
        assertThat(gvisor).isEqualTo(execq);
        SeccompProfile operators = new SeccompProfile("file:x@sha256:0", "{}", false);
        assertThat(SeccompProfiles.forGvisor(operators)).isSameAs(operators);
    }

    @Test
    void splitsTheAllowedFamiliesIntoAlignedBlocks() {
        List<String> blocks = SeccompProfileBuilder.blocks(Set.of(38, 40)).stream()
                .map(b -> b[0] + "+" + b[1]).collect(Collectors.toList());

        assertThat(blocks).containsExactly("0+32", "32+4", "36+2", "39+1", "41+1", "42+2", "44+4", "48+16");
        assertThat(SeccompProfileBuilder.blocks(Set.of())).hasSize(1);
    }

    @Test
    void builderRefusesWhatIsNotAProfile() {
        assertThatThrownBy(() -> SeccompProfileBuilder.from("[]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Docker seccomp profile (no \"syscalls\" array)");
        assertThatThrownBy(() -> SeccompProfileBuilder.from("{").deny("x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not JSON: ");
        assertThatThrownBy(() -> SeccompProfileBuilder.from("{\"syscalls\":[]}").allowSocketFamiliesExcept(64))
                .hasMessage("address family out of range: 64");
    }

    @Test
    void denyRemovesANameFromEveryRuleAndDropsRulesLeftEmpty() {
        String profile = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                + "{\"names\":[\"read\",\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                + "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";

        String denied = SeccompProfileBuilder.from(profile).deny("bpf").toJson();

        assertThat(denied).isEqualTo("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                + "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
    }

    private static boolean socketAllowed(List<JsonNode> rules, long arg0) {
        for (JsonNode rule : rules) {
            JsonNode arg = rule.get("args").get(0);
            assertThat(arg.get("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
            if ((arg0 & arg.get("value").asLong()) == arg.get("valueTwo").asLong()) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> rulesNaming(JsonNode profile, String name) {
        List<JsonNode> rules = new ArrayList<>();
        profile.get("syscalls").forEach(rule -> {
            if (names(rule).contains(name)) {
                rules.add(rule);
            }
        });
        return rules;
    }

    private static Set<String> names(JsonNode rule) {
        Set<String> names = new HashSet<>();
        rule.path("names").forEach(name -> names.add(name.asText()));
        return names;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
