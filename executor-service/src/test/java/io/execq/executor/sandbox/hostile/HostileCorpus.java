package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Every case file under {@code hostile/} on the test class path, in id order. */
public final class HostileCorpus {

    /** The corpus directory on the class path ({@code src/test/resources/hostile}). */
    static final String DIRECTORY = "/hostile";

    private HostileCorpus() {
    }

    /** The cases, for {@code @MethodSource}. */
    public static List<HostileCase> all() {
        URL url = HostileCorpus.class.getResource(DIRECTORY);
        if (url == null) {
            throw new IllegalStateException(DIRECTORY + " is not on the test class path");
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".case"))
                    .sorted()
                    .map(HostileCorpus::read)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HostileCase read(Path file) {
        try {
            return HostileCaseFile.parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
