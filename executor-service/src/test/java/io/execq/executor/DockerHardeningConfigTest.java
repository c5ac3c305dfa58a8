package io.execq.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.config.ConfigException;
import io.execq.executor.sandbox.docker.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Docker hardening options: --seccomp-profile, --max-workspace, --docker-runtime. */
class DockerHardeningConfigTest {

    @Test
    void defaultsToExecqsProfileAHalfGigabyteWorkspaceAndDockerdsRuntime() {
        ExecutorConfig config = ExecutorConfig.of(Map.of());

        assertThat(config.get(ExecutorConfig.SECCOMP_PROFILE)).isNull();
        assertThat(config.get(ExecutorConfig.MAX_WORKSPACE)).isEqualTo(512L << 20);
        assertThat(config.get(ExecutorConfig.DOCKER_RUNTIME)).isNull();
    }

    @Test
    void parsesTheWorkspaceCapAsASizeWithinRange() {
        assertThat(ExecutorConfig.from(Map.of(), Map.of("EXECQ_MAX_WORKSPACE", "2g"))
                .get(ExecutorConfig.MAX_WORKSPACE)).isEqualTo(2L << 30);
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("max-workspace", "100k")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value '100k' for --max-workspace (EXECQ_MAX_WORKSPACE): must be between");
    }

    @Test
    void takesTheRuntimeByName() {
        assertThat(ExecutorConfig.from(Map.of("docker-runtime", List.of("runsc")), Map.of())
                .get(ExecutorConfig.DOCKER_RUNTIME)).isEqualTo("runsc");
    }

    @Test
    void loadsTheOperatorsSeccompProfileAndNamesItByFileAndHash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("strict.json");
        String content = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                + "\"action\": \"SCMP_ACT_ALLOW\"}]}";
        Files.writeString(file, content);

        SeccompProfile profile = ExecutorConfig.from(Map.of(), Map.of("EXECQ_SECCOMP_PROFILE", file.toString()))
                .get(ExecutorConfig.SECCOMP_PROFILE);

        // sha256 of the content above, first 12 hex digits (sha256sum strict.json).
        assertThat(profile.name()).isEqualTo("file:strict.json@sha256:" + sha256Prefix(content));
        assertThat(profile.json()).isEqualTo("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                + "\"action\":\"SCMP_ACT_ALLOW\"}]}");
        assertThat(profile.blocksUserNamespaces()).isFalse();
    }

    @Test
    void refusesAProfileThatIsNotJsonOrNotAProfileNamingTheOption(@TempDir Path dir) throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"defaultAction\": ");
        Path shapeless = Files.writeString(dir.resolve("shapeless.json"), "{\"syscalls\": []}");
        Path badRule = Files.writeString(dir.resolve("bad-rule.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}");

        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("seccomp-profile", broken.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value '" + broken + "' for --seccomp-profile (EXECQ_SECCOMP_PROFILE): "
                        + "not JSON: ");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("seccomp-profile", shapeless.toString())))
                .hasMessageEndingWith(": not a seccomp profile: \"defaultAction\" (e.g. \"SCMP_ACT_ERRNO\") is missing");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("seccomp-profile", badRule.toString())))
                .hasMessageEndingWith(": syscalls[0] needs \"names\" (array) and \"action\"");
        assertThatThrownBy(() -> ExecutorConfig.of(Map.of("seccomp-profile", dir.resolve("none.json").toString())))
                .hasMessageContaining("--seccomp-profile (EXECQ_SECCOMP_PROFILE): cannot read ");
    }

    private static String sha256Prefix(String content) throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(digest).substring(0, 12);
    }
}
