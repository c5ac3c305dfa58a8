package io.execq.executor.sandbox.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Edits a seccomp profile in Docker's JSON format, one reviewable step per method; {@link SeccompProfiles} derives
 * execq's profile from Docker's default with it.
 *
 * <p>How Docker 20.10 (runc 1.1, libseccomp 2.5) reads a profile, measured here and relied on below: rules are
 * allow-rules over a deny-all default ({@code SCMP_ACT_ERRNO}, EPERM); several rules naming the same syscall are
 * alternatives (any one allows it); the comparisons of one rule must all hold, <em>except</em> that runc splits a
 * rule with two comparisons on the same argument into one rule per comparison, so {@code arg0 != 38 && arg0 != 40}
 * in one rule silently becomes "{@code != 38} or {@code != 40}", which allows both. And a comparison sees the
 * whole 64-bit register while the kernel reads an {@code int} argument from its low 32 bits: {@code socket()} with
 * {@code 0x100000028} passes a {@code != 40} rule and creates an {@code AF_VSOCK} (40) socket. Hence
 * {@link #allowSocketFamiliesExcept} uses one masked comparison of the low 32 bits per rule.
 */
final class SeccompProfileBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every address family number below this is considered; kernels define 46 (AF_MAX) today. */
    static final int FAMILY_LIMIT = 64;

    private final ObjectNode profile;

    private SeccompProfileBuilder(ObjectNode profile) {
        this.profile = profile;
    }

    static SeccompProfileBuilder from(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (!(node instanceof ObjectNode) || !node.path("syscalls").isArray()) {
                throw new IllegalArgumentException("not a Docker seccomp profile (no \"syscalls\" array)");
            }
            return new SeccompProfileBuilder(((ObjectNode) node).deepCopy());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Removes {@code names} from every rule (a rule left without names goes): the default action refuses them. */
    SeccompProfileBuilder deny(String... names) {
        Set<String> denied = Set.of(names);
        for (Iterator<JsonNode> rules = syscalls().elements(); rules.hasNext(); ) {
            ArrayNode ruleNames = (ArrayNode) rules.next().path("names");
            for (int i = ruleNames.size() - 1; i >= 0; i--) {
                if (denied.contains(ruleNames.get(i).asText())) {
                    ruleNames.remove(i);
                }
            }
            if (ruleNames.isEmpty()) {
                rules.remove();
            }
        }
        return this;
    }

    /**
     * Makes {@code names} independent of the container's capabilities: removed from the rules a capability switches
     * on ({@code includes.caps}), and the capability exceptions of their other rules ({@code excludes.caps}) dropped,
     * so their argument checks hold even for a container given {@code CAP_SYS_ADMIN} (such a rule must name that
     * syscall alone).
     */
    SeccompProfileBuilder withoutCapabilityGrants(String... names) {
        Set<String> wanted = Set.of(names);
        for (Iterator<JsonNode> rules = syscalls().elements(); rules.hasNext(); ) {
            JsonNode rule = rules.next();
            ArrayNode ruleNames = (ArrayNode) rule.path("names");
            boolean grantedByCapability = rule.path("includes").path("caps").size() > 0;
            for (int i = ruleNames.size() - 1; i >= 0; i--) {
                if (!wanted.contains(ruleNames.get(i).asText())) {
                    continue;
                }
                if (grantedByCapability) {
                    ruleNames.remove(i);
                } else if (rule.path("excludes") instanceof ObjectNode excludes && excludes.has("caps")) {
                    if (ruleNames.size() != 1) {
                        throw new IllegalStateException("a capability exception shared with other syscalls: " + rule);
                    }
                    excludes.remove("caps");
                    if (excludes.isEmpty()) {
                        ((ObjectNode) rule).remove("excludes");
                    }
                }
            }
            if (ruleNames.isEmpty()) {
                rules.remove();
            }
        }
        return this;
    }

    /** Replaces every rule naming {@code name} by one that allows it, leaving the answer to the runtime. */
    SeccompProfileBuilder allow(String name) {
        deny(name);
        ObjectNode rule = syscalls().addObject();
        rule.putArray("names").add(name);
        rule.put("action", "SCMP_ACT_ALLOW");
        return this;
    }

    /**
     * Keeps only each architecture's native system call ABI: the 32-bit ones a 64-bit kernel also serves (i386 and
     * x32 beside x86-64, arm beside aarch64) are dropped from {@code archMap}, so any call through them (such as
     * {@code int 0x80} from a 64-bit program) kills the process with SIGSYS. Why: on i386 libseccomp turns every
     * {@code socket} rule into an allowance of {@code socketcall(SYS_SOCKET, ...)}, whose family sits in memory
     * where no filter can read it (measured: a 64-bit program got an {@code AF_VSOCK} socket that way past
     * {@link #allowSocketFamiliesExcept}). Cost: 32-bit programs cannot run.
     */
    SeccompProfileBuilder nativeArchitecturesOnly() {
        for (JsonNode arch : profile.path("archMap")) {
            ((ObjectNode) arch).putArray("subArchitectures");
        }
        return this;
    }

    /**
     * Allows {@code socket()} for every address family below {@value #FAMILY_LIMIT} except {@code denied}, and
     * refuses {@code socketcall()}, which multiplexes {@code socket()} on 32-bit x86 with its arguments in memory,
     * where no filter can read them. (That alone does not close the i386 path: libseccomp re-adds
     * {@code socketcall(SYS_SOCKET)} for the {@code socket} rules; see {@link #nativeArchitecturesOnly}.)
     *
     * <p>Each allowed block of families is one rule with one comparison, {@code (arg0 & mask) == first}, the mask
     * covering the low 32 bits only: {@code 0x100000028} is family 40 to the kernel and to this rule alike.
     */
    SeccompProfileBuilder allowSocketFamiliesExcept(int... denied) {
        deny("socket", "socketcall");
        Set<Integer> refused = new TreeSet<>();
        for (int family : denied) {
            if (family < 0 || family >= FAMILY_LIMIT) {
                throw new IllegalArgumentException("address family out of range: " + family);
            }
            refused.add(family);
        }
        for (long[] block : blocks(refused)) {
            ObjectNode rule = syscalls().addObject();
            rule.putArray("names").add("socket");
            rule.put("action", "SCMP_ACT_ALLOW");
            ObjectNode arg = rule.putArray("args").addObject();
            arg.put("index", 0);
            arg.put("value", 0xFFFF_FFFFL & ~(block[1] - 1));
            arg.put("valueTwo", block[0]);
            arg.put("op", "SCMP_CMP_MASKED_EQ");
            rule.put("comment", "families " + block[0] + ".." + (block[0] + block[1] - 1) + " (low 32 bits of arg0)");
        }
        return this;
    }

    /**
     * The families below {@value #FAMILY_LIMIT} not in {@code refused}, as aligned power-of-two blocks
     * {@code {first, size}}, each expressible as one masked comparison.
     */
    static List<long[]> blocks(Set<Integer> refused) {
        List<long[]> blocks = new ArrayList<>();
        int family = 0;
        while (family < FAMILY_LIMIT) {
            if (refused.contains(family)) {
                family++;
                continue;
            }
            int size = 1;
            while (family % (size * 2) == 0 && family + size * 2 <= FAMILY_LIMIT
                    && noneRefused(refused, family, family + size * 2)) {
                size *= 2;
            }
            blocks.add(new long[] {family, size});
            family += size;
        }
        return blocks;
    }

    private static boolean noneRefused(Set<Integer> refused, int from, int to) {
        for (int family = from; family < to; family++) {
            if (refused.contains(family)) {
                return false;
            }
        }
        return true;
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(profile);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private ArrayNode syscalls() {
        return (ArrayNode) profile.get("syscalls");
    }
}
