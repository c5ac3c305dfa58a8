package io.execq.cli;

import io.execq.executor.pipeline.RuntimeImages;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code execq demo} needs from the machine: a Docker engine (optional: without one the demo shows the process
 * fallback) and the sample images, built with {@code ops/images/build.sh} when missing. Talks to Docker through
 * the {@code docker} command line with argv lists.
 */
final class DemoEnvironment {

    static final List<String> IMAGES = List.of(RuntimeImages.BUSYBOX, RuntimeImages.PYTHON, RuntimeImages.NODE,
            RuntimeImages.GCC, RuntimeImages.JAVA);
    private static final String BUILD_SCRIPT = "ops/images/build.sh";

    private DemoEnvironment() {
    }

    /** True when the {@code docker} command answers at {@code dockerHost} with a server version within 15 s. */
    static boolean dockerAvailable(String dockerHost) {
        return run(List.of("docker", "-H", dockerHost, "version", "--format", "{{.Server.Version}}"), 15, null) == 0;
    }

    static List<String> missingImages(String dockerHost) {
        List<String> missing = new ArrayList<>();
        for (String image : IMAGES) {
            if (run(List.of("docker", "-H", dockerHost, "image", "inspect", "--format", "{{.Id}}", image), 15,
                    null) != 0) {
                missing.add(image);
            }
        }
        return missing;
    }

    /**
     * Builds the sample images with the repository's build script, its output going to {@code log}.
     *
     * @return false when the repository (and so the script) cannot be found or the build fails
     */
    static boolean buildImages(PrintWriter out, Path log) {
        Optional<Path> root = repositoryRoot();
        if (root.isEmpty()) {
            out.println("execq demo: cannot find the execq repository (looked next to the jar and above the current"
                    + " directory for " + BUILD_SCRIPT + "); build the images with it, then run the demo again.");
            return false;
        }
        out.printf("Building the sample images with %s (log: %s); the first build takes a few minutes...%n",
                root.get().resolve(BUILD_SCRIPT), log);
        out.flush();
        return run(List.of("bash", root.get().resolve(BUILD_SCRIPT).toString(), "busybox", "python", "node", "gcc",
                "java"), 1800, log) == 0;
    }

    /** The checkout this jar was built from ({@code <root>/executor-service/target/execq.jar}), else the cwd's. */
    static Optional<Path> repositoryRoot() {
        List<Path> starts = new ArrayList<>();
        try {
            starts.add(Path.of(DemoEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // No code source: rely on the working directory.
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve(BUILD_SCRIPT))) {
                    return Optional.of(dir);
                }
            }
        }
        return Optional.empty();
    }

    private static int run(List<String> argv, long timeoutSeconds, Path log) {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD
                : ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.redirectInput(new File("/dev/null"));
        try {
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
