package io.execq.ops;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The files under {@code ops/} that tests check against the executor: YAML parsed with SnakeYAML (safe constructor,
 * plain maps and lists), and walked with {@link #at}. Paths are relative to the executor-service module, where Maven
 * runs the tests.
 */
final class OpsFiles {

    static final Path OPS = Path.of("..", "ops");

    private OpsFiles() {
    }

    /** Every YAML document of every {@code *.yaml}/{@code *.yml} file directly in {@code dir}, in file-name order. */
    static List<Map<String, Object>> yamlDocuments(Path dir) {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.ya?ml")).sorted().toList()) {
                documents.addAll(yaml(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /** The documents of one YAML file; a document that is not a mapping fails. */
    static List<Map<String, Object>> yaml(Path file) {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file)) {
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in)) {
                if (document == null) {
                    continue;
                }
                if (!(document instanceof Map<?, ?>)) {
                    throw new IllegalStateException(file + ": a YAML document is not a mapping: " + document);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) document;
                documents.add(map);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /** The value at {@code path} (map keys, or list indexes as Integers); fails naming the missing step. */
    @SuppressWarnings("unchecked")
    static <T> T at(Object root, Object... path) {
        Object node = root;
        StringBuilder walked = new StringBuilder();
        for (Object step : path) {
            walked.append('.').append(step);
            if (step instanceof Integer index && node instanceof List<?> list && index < list.size()) {
                node = list.get(index);
            } else if (step instanceof String key && node instanceof Map<?, ?> map && map.containsKey(key)) {
                node = map.get(key);
            } else {
                throw new AssertionError("missing " + walked.substring(1));
            }
        }
        return (T) node;
    }

    /** The project's version, from the root pom ({@code /project/version}). */
    static String projectVersion() {
        try {
            Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(OPS.resolveSibling("pom.xml").toFile()).getDocumentElement();
            for (org.w3c.dom.Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
                if ("version".equals(child.getNodeName())) {
                    return child.getTextContent().trim();
                }
            }
            throw new IllegalStateException("the root pom has no <version>");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the root pom", e);
        }
    }
}
