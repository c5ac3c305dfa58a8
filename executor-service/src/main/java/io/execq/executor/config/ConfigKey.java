package io.execq.executor.config;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One configuration option, defined once: its name (the flag is {@code --name}, the environment variable
 * {@code EXECQ_NAME} in upper snake case, the properties-file key {@code name}), its documentation, its default and its
 * parser, which also checks the accepted range.
 *
 * @param multiValued true when the option may be given several times (flags) or comma-separated (env, file)
 * @param conventionalEnv a variable other tools already read for this setting ({@code DOCKER_HOST}), consulted after
 *     the flag, {@code EXECQ_NAME} and the file, before the default; null when there is none
 */
public record ConfigKey<T>(String name, String doc, String defaultValue, boolean multiValued,
                           Function<String, T> parser, String conventionalEnv) {

    public ConfigKey(String name, String doc, String defaultValue, boolean multiValued, Function<String, T> parser) {
        this(name, doc, defaultValue, multiValued, parser, null);
    }

    /** This key, also read from the environment variable {@code variable} that other tools use for it. */
    public ConfigKey<T> withConventionalEnv(String variable) {
        return new ConfigKey<>(name, doc, defaultValue, multiValued, parser, variable);
    }

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("config key names are lower-case words joined by '-', got " + name);
        }
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(parser, "parser");
    }

    public String flag() {
        return "--" + name;
    }

    public String envName() {
        return "EXECQ_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Parses {@code text}, turning any complaint into a message that names the flag and the environment variable. */
    public T parse(String text) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid value '" + text + "' for " + flag() + " (" + envName() + "): "
                    + e.getMessage());
        }
    }
}
