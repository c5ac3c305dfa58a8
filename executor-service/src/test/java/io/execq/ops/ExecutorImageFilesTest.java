package io.execq.ops;

import static io.execq.ops.OpsFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.execq.cli.ExecqCommand;
import io.execq.executor.ExecutorConfig;
import io.execq.executor.config.ConfigKey;
import io.execq.executor.kafka.EmbeddedKafkaMode;
import io.execq.executor.http.HealthServer;
import io.execq.executor.sandbox.FallbackPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * {@code ops/docker/Dockerfile} against the executor and against {@code ops/images/build.sh}, which builds the same
 * image offline (no registry here, so the Dockerfile itself is never built): its CMD and ENV make a valid
 * {@code execq serve} configuration reachable from outside the container; the files it copies are the shaded jar and
 * the entry point; the user is the Kubernetes Deployment's and build.sh creates the same; the health check asks
 * {@code /health/ready} on the exposed port over loopback with a busybox both builds install. The entry point script
 * runs here with a stand-in {@code java}. ComposeStackIT compares the image build.sh made with this file.
 */
class ExecutorImageFilesTest {

    private static final Path ENTRYPOINT_SOURCE = OpsFiles.OPS.resolve("images/executor/entrypoint");
    private static final Path BUILD_SH = OpsFiles.OPS.resolve("images/build.sh");

    private static Dockerfile dockerfile;
    private static ExecutorConfig config;

    @BeforeAll
    static void load() {
        dockerfile = Dockerfile.parse(Dockerfile.EXECUTOR);
        config = imageConfig(dockerfile);
    }

    @Test
    void cmdAndEnvMakeAnExecutorReachableFromOutsideItsContainerThatNeverRunsRequestsInsideIt() {
        assertThat(dockerfile.execForm("CMD")).containsExactly("serve");
        assertThat(config.get(ExecutorConfig.HTTP_HOST).isAnyLocalAddress())
                .as("the health check, probes and Prometheus reach the container's address").isTrue();
        assertThat(config.get(ExecutorConfig.EMBEDDED_KAFKA)).isEqualTo(EmbeddedKafkaMode.NEVER);
        assertThat(config.get(ExecutorConfig.DOCKER_HOST)).isEqualTo("unix:///var/run/docker.sock");
        assertThat(config.get(ExecutorConfig.FALLBACK))
                .as("a run in the process fallback could reach the mounted Docker socket").isEqualTo(FallbackPolicy.NONE);
    }

    @Test
    void theImageHoldsTheShadedJarAndTheEntrypointThatRunsIt() throws Exception {
        Map<String, String> copies = dockerfile.copies();
        String entrypoint = dockerfile.execForm("ENTRYPOINT").get(0);

        assertThat(copies).containsEntry("ops/images/executor/entrypoint", entrypoint);
        assertThat(Files.isExecutable(ENTRYPOINT_SOURCE)).as("the entry point is executable in the checkout")
                .isTrue();
        String jar = "executor-service/target/" + shadedJarName() + ".jar";
        assertThat(copies).containsKey(jar);
        assertThat(Files.readAllLines(ENTRYPOINT_SOURCE)).as("the entry point runs the jar where it is copied")
                .contains("jar=" + copies.get(jar));
        assertThat(Files.readString(OpsFiles.OPS.resolve("lib/jar.sh")))
                .as("ops/lib/jar.sh builds the jar the Dockerfile copies").contains("/" + jar);
    }

    @Test
    void userIsTheKubernetesDeploymentsAndBuildShCreatesTheSameOne() throws Exception {
        Map<String, Object> deployment = OpsFiles.yaml(OpsFiles.OPS.resolve("k8s/deployment.yaml")).get(0);
        Map<String, Object> pod = at(deployment, "spec", "template", "spec", "securityContext");
        String run = dockerfile.one("RUN");
        String buildSh = Files.readString(BUILD_SH).replaceAll("\\\\\\n\\s*", "");

        assertThat(dockerfile.one("USER")).isEqualTo(pod.get("runAsUser") + ":" + pod.get("runAsGroup"))
                .isEqualTo("10001:10001");
        for (String tool : List.of("groupadd", "useradd")) {
            String inDockerfile = command(run, tool);
            assertThat(inDockerfile).contains("10001");
            assertThat(command(buildSh, tool)).as("build.sh's %s", tool).isEqualTo(inDockerfile);
        }
        assertThat(run).contains("busybox-static");
        assertThat(buildSh).contains("apt_install \"$r\" openjdk-17-jre-headless busybox-static");
    }

    @Test
    void healthcheckAsksReadinessOnTheExposedPortOverLoopback() {
        Dockerfile.Healthcheck check = dockerfile.healthcheck();
        List<String> command = check.command();
        URI url = URI.create(command.get(command.size() - 1));
        int port = config.get(ExecutorConfig.HTTP_PORT);

        assertThat(dockerfile.one("EXPOSE")).isEqualTo(Integer.toString(port));
        assertThat(command.subList(0, 2)).containsExactly("/bin/busybox", "wget");
        assertThat(url.getHost()).isEqualTo("127.0.0.1");
        assertThat(url.getPort()).isEqualTo(port);
        assertThat(url.getPath()).isEqualTo("/health/ready");
        assertThat(check.duration("timeout")).isLessThan(check.duration("interval"));
        assertThat(check.duration("start-period")).isPositive();
    }

    @Test
    void healthcheckCommandSucceedsOnReadyAndFailsOnNotReady() throws Exception {
        List<String> command = new ArrayList<>(dockerfile.healthcheck().command());
        try (HealthServer ready = new HealthServer(InetAddress.getLoopbackAddress(), 0, () -> true, List::of,
                () -> "");
             HealthServer notReady = new HealthServer(InetAddress.getLoopbackAddress(), 0, () -> true,
                     () -> List.of("Docker unavailable"), () -> "")) {
            assertThat(run(withPort(command, ready.port()))).as("exit status against a ready executor").isZero();
            assertThat(run(withPort(command, notReady.port()))).as("exit status against a not-ready executor")
                    .isNotZero();
        }
    }

    @Test
    void entrypointRunsServeByDefaultWithTheHostNameAsExecutorIdAndHalfTheMemoryAsHeap(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("java.out");
        Process process = entrypoint(dir, Map.of("HOSTNAME", "3f2a1b9c0d4e", "EXECQ_DOCKER_HOST",
                "unix://" + dir.resolve("absent.sock")), out);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(stderr).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("-XX:MaxRAMPercentage=50",
                "-Dexecq.log.dir=/tmp/execq-logs", "-jar", "/opt/execq/execq.jar", "serve",
                "EXECQ_EXECUTOR_ID=3f2a1b9c0d4e");
        assertThat(stderr).contains("no Docker socket at " + dir.resolve("absent.sock"));
    }

    @Test
    void entrypointNamesTheSocketsGroupWhenItsUserMayNotUseIt(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            int gid = (Integer) Files.getAttribute(socket, "unix:gid");
            Path out = dir.resolve("java.out");
            Process process = entrypoint(dir, Map.of("EXECQ_DOCKER_HOST", "unix://" + socket,
                    "EXECQ_EXECUTOR_ID", "given", "EXECQ_HEAP", "300m"), out, "serve", "--concurrency", "2");
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(stderr).isZero();
            assertThat(stderr).contains("may not use the Docker socket " + socket + " (group " + gid + ", mode 660)")
                    .contains("--group-add " + gid).contains("EXECQ_DOCKER_GID=" + gid);
            assertThat(Files.readAllLines(out)).containsExactly("-Xmx300m", "-Dexecq.log.dir=/tmp/execq-logs",
                    "-jar", "/opt/execq/execq.jar", "serve", "--concurrency", "2", "EXECQ_EXECUTOR_ID=given");
        }
    }

    /**
     * Runs the entry point with a stand-in {@code java} (prints its arguments and the executor id to {@code out}) as
     * an unprivileged user with no supplementary groups (root would pass every permission check): uid 65534 through
     * util-linux's setpriv when the test runs as root, else the test's own user.
     */
    private static Process entrypoint(Path dir, Map<String, String> env, Path out, String... args)
            throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$OUT\"\n"
                + "printf 'EXECQ_EXECUTOR_ID=%s\\n' \"$EXECQ_EXECUTOR_ID\" >> \"$OUT\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path open : List.of(dir, bin)) {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"));
        }
        command.addAll(List.of("/bin/sh", ENTRYPOINT_SOURCE.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().put("PATH", bin + ":/usr/bin:/bin");
        builder.environment().put("OUT", out.toString());
        builder.environment().putAll(env);
        return builder.start();
    }

    /** The {@code execq serve} configuration of a container started with the image's CMD and ENV. */
    private static ExecutorConfig imageConfig(Dockerfile dockerfile) {
        CommandLine.ParseResult parsed = ExecqCommand.commandLine()
                .parseArgs(dockerfile.execForm("CMD").toArray(String[]::new));
        assertThat(parsed.subcommand()).as("CMD is a command of execq").isNotNull();
        Set<String> known = ExecutorConfig.keys().stream().map(ConfigKey::envName).collect(Collectors.toSet());
        Map<String, String> env = dockerfile.env().entrySet().stream()
                .filter(e -> e.getKey().startsWith("EXECQ_"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(known).as("ENV variables of executor options").containsAll(env.keySet());
        return ExecutorConfig.from(Map.of(), env);
    }

    /** The shade plugin's {@code finalName} in executor-service/pom.xml. */
    private static String shadedJarName() throws Exception {
        Element pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(OpsFiles.OPS.resolveSibling("executor-service").resolve("pom.xml").toFile())
                .getDocumentElement();
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("maven-shade-plugin".equals(plugin.getElementsByTagName("artifactId").item(0).getTextContent())) {
                return plugin.getElementsByTagName("finalName").item(0).getTextContent().trim();
            }
        }
        throw new AssertionError("executor-service/pom.xml has no maven-shade-plugin");
    }

    /** {@code tool} and its arguments up to the next shell operator, blanks normalised. */
    private static String command(String script, String tool) {
        Matcher m = Pattern.compile("\\b(?:chroot_run \"\\$r\" )?(" + tool + " [^&|;\\n]*)").matcher(script);
        assertThat(m.find()).as("a %s command", tool).isTrue();
        return m.group(1).trim().replaceAll("\\s+", " ");
    }

    private static List<String> withPort(List<String> command, int port) {
        List<String> copy = new ArrayList<>(command);
        int last = copy.size() - 1;
        copy.set(last, copy.get(last).replaceFirst(":\\d+/", ":" + port + "/"));
        return copy;
    }

    private static int run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
