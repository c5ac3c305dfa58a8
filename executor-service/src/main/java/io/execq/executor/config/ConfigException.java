package io.execq.executor.config;

/** A configuration value that cannot be used; the message names the key, the value and what is accepted. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
