package io.execq.ops;

import static io.execq.ops.OpsFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.cli.ExecqCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code docs/operations.md} names only flags, files and alerts that exist. */
class OperationsDocTest {

    private static final Path DOC = Path.of("..", "docs", "operations.md");
    /** Flags of docker, dockerd and docker-compose the page names, not execq's (image, compose stack, TLS daemon). */
    private static final Set<String> DOCKER_FLAGS = Set.of("--change", "--group-add", "--health-cmd", "--rm",
            "--scale", "--tlsverify");

    @Test
    void everyFlagItNamesIsAnOptionOfAnExecqCommand() throws Exception {
        Set<String> options = new HashSet<>();
        collectOptions(ExecqCommand.commandLine(), options);

        Set<String> named = matches("(?<![\\w-])(--[a-z][a-z-]*[a-z])", Files.readString(DOC));
        named.removeAll(DOCKER_FLAGS);

        assertThat(named).isNotEmpty().allSatisfy(flag -> assertThat(options).as("execq options").contains(flag));
    }

    @Test
    void everyOpsFileItNamesExists() throws Exception {
        Set<String> paths = matches("`(ops/[\\w./-]+)`", Files.readString(DOC));

        assertThat(paths).isNotEmpty().allSatisfy(path ->
                assertThat(Path.of("..").resolve(path.replaceAll("/$", ""))).exists());
    }

    @Test
    void itsAlertTableNamesExactlyTheAlertsOfTheRules() throws Exception {
        List<Map<String, Object>> rules = at(OpsFiles.yaml(OpsFiles.OPS.resolve("prometheus/execq-rules.yml"))
                .get(0), "groups", 0, "rules");

        assertThat(matches("\\| `(Execq\\w+)` \\|", Files.readString(DOC)))
                .hasSameElementsAs(rules.stream().map(r -> (String) r.get("alert")).toList());
    }

    private static void collectOptions(CommandLine command, Set<String> options) {
        command.getCommandSpec().options().forEach(option -> options.addAll(List.of(option.names())));
        command.getSubcommands().values().forEach(sub -> collectOptions(sub, options));
    }

    private static Set<String> matches(String regex, String text) {
        Set<String> found = new HashSet<>();
        Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
