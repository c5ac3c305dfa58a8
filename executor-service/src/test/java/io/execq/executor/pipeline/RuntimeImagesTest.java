package io.execq.executor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.execq.executor.ExecutorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default alias table, as an executor with default options resolves it (the policy ExecutorInstance builds). */
class RuntimeImagesTest {

    private static ImagePolicy policyOf(Map<String, List<String>> flags) {
        ExecutorConfig config = ExecutorConfig.from(flags, Map.of());
        return new ImagePolicy(config.get(ExecutorConfig.DEFAULT_IMAGE), config.imageAliases(),
                config.allowedImages());
    }

    @Test
    void defaultOptionsResolveEveryRuntimeAliasToItsStableTag() throws Exception {
        ImagePolicy images = policyOf(Map.of());

        assertThat(images.resolve("node")).isEqualTo("execq/node:18");
        assertThat(images.resolve("gcc")).isEqualTo("execq/gcc:12");
        assertThat(images.resolve("cpp")).isEqualTo("execq/gcc:12");
        assertThat(images.resolve("java")).isEqualTo("execq/java:17");
        assertThat(images.resolve("python")).isEqualTo("execq/python:3.11");
        assertThat(images.resolve("bash")).isEqualTo("execq/python:3.11");
        assertThat(images.resolve("sh")).isEqualTo("execq/busybox:latest");
        assertThat(images.resolve("busybox")).isEqualTo("execq/busybox:latest");
        assertThat(images.resolve(null)).isEqualTo("execq/busybox:latest");
    }

    @Test
    void theTableIsExactlyTheDocumentedOne() {
        assertThat(RuntimeImages.DEFAULT_ALIASES).containsExactly(
                Map.entry("busybox", "execq/busybox:latest"), Map.entry("sh", "execq/busybox:latest"),
                Map.entry("bash", "execq/python:3.11"), Map.entry("python", "execq/python:3.11"),
                Map.entry("node", "execq/node:18"), Map.entry("gcc", "execq/gcc:12"),
                Map.entry("cpp", "execq/gcc:12"), Map.entry("java", "execq/java:17"));
        assertThat(RuntimeImages.describeDefaults()).isEqualTo("busybox=execq/busybox:latest, "
                + "sh=execq/busybox:latest, bash=execq/python:3.11, python=execq/python:3.11, node=execq/node:18, "
                + "gcc=execq/gcc:12, cpp=execq/gcc:12, java=execq/java:17");
    }

    @Test
    void operatorAliasesAreAddedToTheDefaultsAndWinOnTheSameName() throws Exception {
        ImagePolicy images = policyOf(Map.of("image-alias", List.of("ruby=execq/ruby:3.1", "node=execq/node:20")));

        assertThat(images.resolve("ruby")).isEqualTo("execq/ruby:3.1");
        assertThat(images.resolve("node")).isEqualTo("execq/node:20");
        assertThat(images.resolve("java")).isEqualTo("execq/java:17");
    }

    @Test
    void anAliasGrantsNothingItsImageMustStillBeAllowed() throws Exception {
        ImagePolicy images = policyOf(Map.of("allowed-images", List.of("execq/python:*", "execq/busybox:*")));

        assertThat(images.resolve("bash")).isEqualTo("execq/python:3.11");
        assertThatThrownBy(() -> images.resolve("java"))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessage("image 'execq/java:17' (from 'java') is not allowed; allowed: execq/python:*, "
                        + "execq/busybox:*; aliases: bash, busybox, cpp, gcc, java, node, python, sh");
    }

    @Test
    void unknownNamesAreImagesAndFollowTheAllowList() throws Exception {
        ImagePolicy images = policyOf(Map.of());

        assertThat(images.resolve("execq/node:18.20.4")).isEqualTo("execq/node:18.20.4");
        assertThatThrownBy(() -> images.resolve("ruby")).isInstanceOf(RequestRejectedException.class)
                .hasMessageStartingWith("image 'ruby' is not allowed; allowed: execq/*; aliases: ");
    }
}
