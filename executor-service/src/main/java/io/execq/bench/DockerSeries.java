package io.execq.bench;

import io.execq.executor.sandbox.SandboxSpec;
import io.execq.executor.sandbox.docker.DockerConnection;
import io.execq.executor.sandbox.docker.DockerSandbox;
import io.execq.executor.sandbox.docker.ImagePullPolicy;
import io.execq.executor.sandbox.docker.ImageResolver;
import io.execq.executor.sandbox.docker.RunDeadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Docker baselines on one connection: the docker-java cycle, {@code docker run --rm} when a {@code docker}
 * command is on the PATH, and the Docker sandbox called directly. Checks first that the engine answers and has
 * the image, so a missing one is one clear error instead of a column of failed samples.
 */
final class DockerSeries implements AutoCloseable {

    private final DockerConnection connection;
    private final List<Series> series;

    private DockerSeries(DockerConnection connection, List<Series> series) {
        this.connection = connection;
        this.series = series;
    }

    static DockerSeries open(String dockerHost, String image, Supplier<SandboxSpec> specs) {
        DockerConnection connection = DockerConnection.connect(dockerHost);
        try {
            requireEngineAndImage(connection, dockerHost, image);
            List<Series> series = new ArrayList<>();
            series.add(new DockerCycleSeries(connection.client(), specs));
            if (onPath("docker")) {
                series.add(new DockerCliSeries(dockerHost, specs));
            }
            DockerSandbox sandbox = new DockerSandbox(connection,
                    new ImageResolver(connection, ImagePullPolicy.NEVER, ImageResolver.DEFAULT_PULL_TIMEOUT),
                    Clock.systemUTC(), java.util.Optional.empty(), RunDeadline.probe(RunDeadline.DEFAULT_HELPER),
                    java.util.Optional.empty());
            series.add(new SandboxSeries("docker-sandbox", "DockerSandbox.run(spec) called directly: volume, "
                    + "hardened container, attach, output capture, inspect, clean-up; no Kafka", sandbox, specs));
            return new DockerSeries(connection, List.copyOf(series));
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    List<Series> series() {
        return series;
    }

    private static void requireEngineAndImage(DockerConnection connection, String dockerHost, String image) {
        try {
            connection.client().pingCmd().exec();
        } catch (RuntimeException e) {
            throw new IllegalStateException("The Docker series need a Docker engine, and none answers at "
                    + dockerHost + " (" + e.getMessage() + "); start one or use --backend process", e);
        }
        try {
            connection.client().inspectImageCmd(image).exec();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Image " + image + " is not present at " + dockerHost
                    + "; build it with ops/images/build.sh or choose another with --image", e);
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws Exception {
        for (Series s : series) {
            s.close();
        }
        connection.close();
    }
}
