package io.execq.executor.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where option values come from, in precedence order: command-line flags, then {@code EXECQ_*} environment variables,
 * then a properties file, then the variable other tools read for the same setting ({@code DOCKER_HOST}), then the
 * key's default. A multi-valued option takes all its values from the first source
 * that has any.
 */
public final class ConfigSources {

    private final Map<String, List<String>> flags;
    private final Map<String, String> env;
    private final Properties file;

    public ConfigSources(Map<String, List<String>> flags, Map<String, String> env, Properties file) {
        this.flags = Map.copyOf(flags);
        this.env = Map.copyOf(env);
        this.file = file;
    }

    public static Properties readPropertiesFile(Path path) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new ConfigException("Cannot read config file " + path + ": " + e.getMessage());
        }
        return properties;
    }

    /** The raw values of {@code key}: never empty unless the key has no default and no source sets it. */
    public List<String> raw(ConfigKey<?> key) {
        List<String> fromFlags = flags.getOrDefault(key.name(), List.of());
        if (!fromFlags.isEmpty()) {
            return fromFlags;
        }
        String fromEnv = env.get(key.envName());
        if (fromEnv != null) {
            return split(key, fromEnv);
        }
        String fromFile = file.getProperty(key.name());
        if (fromFile != null) {
            return split(key, fromFile);
        }
        String conventional = key.conventionalEnv() == null ? null : env.get(key.conventionalEnv());
        if (conventional != null && !conventional.isBlank()) {
            return split(key, conventional);
        }
        return key.defaultValue() == null ? List.of() : split(key, key.defaultValue());
    }

    /** The single value of {@code key}, parsed; the last flag wins when one is repeated. */
    public <T> T get(ConfigKey<T> key) {
        List<String> values = raw(key);
        if (values.isEmpty()) {
            throw new ConfigException("Missing value for " + key.flag() + " (" + key.envName() + ")");
        }
        return key.parse(values.get(values.size() - 1));
    }

    /** Every value of a multi-valued {@code key}, parsed. */
    public <T> List<T> getAll(ConfigKey<T> key) {
        List<T> parsed = new ArrayList<>();
        for (String value : raw(key)) {
            parsed.add(key.parse(value));
        }
        return List.copyOf(parsed);
    }

    private static List<String> split(ConfigKey<?> key, String value) {
        if (!key.multiValued()) {
            return List.of(value);
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
