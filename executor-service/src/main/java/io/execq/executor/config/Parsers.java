package io.execq.executor.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Parsers with range checks for {@link ConfigKey}s; each throws IllegalArgumentException saying what is accepted. */
public final class Parsers {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    private Parsers() {
    }

    public static Function<String, String> text() {
        return s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("must not be blank");
            }
            return s.trim();
        };
    }

    /** true/1/yes or false/0/no, any case. */
    public static Function<String, Boolean> bool() {
        return s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    /**
     * A Docker daemon address the executor can speak to: {@code unix:///path} or {@code tcp://host:port}, as in
     * {@code DOCKER_HOST}.
     */
    public static Function<String, String> dockerHost() {
        return s -> {
            String host = text().apply(s);
            if (host.startsWith("unix:///") || host.matches("tcp://[^/:]+:\\d+/?")) {
                return host;
            }
            throw new IllegalArgumentException("expected unix:///path/to/docker.sock or tcp://host:port"
                    + (host.startsWith("ssh://") ? " (ssh:// is not supported: forward the socket with ssh -L)" : ""));
        };
    }

    /**
     * An IP address literal to listen on ({@code 127.0.0.1}, {@code 0.0.0.0}, {@code ::}); host names are refused so
     * that reading the configuration never waits for DNS.
     */
    public static Function<String, InetAddress> ipAddress() {
        return s -> {
            String text = text().apply(s);
            // Both forms are parsed as literals by the JDK, never looked up.
            if (IPV4.matcher(text).matches() || IPV6_CHARS.matcher(text).matches() && text.contains(":")) {
                try {
                    return InetAddress.getByName(text);
                } catch (UnknownHostException e) {
                    // not a valid IPv6 literal: the message below
                }
            }
            throw new IllegalArgumentException("expected an IP address such as 127.0.0.1, 0.0.0.0 or ::");
        };
    }

    public static Function<String, Integer> intIn(int min, int max) {
        return s -> {
            int value;
            try {
                value = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            return checkRange(value, min, max, Integer.toString(min), Integer.toString(max));
        };
    }

    public static Function<String, Double> doubleIn(double min, double max) {
        return s -> {
            double value;
            try {
                value = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number");
            }
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        };
    }

    public static Function<String, Long> sizeIn(long min, long max) {
        return s -> checkRange(Values.parseSize(s), min, max, Values.formatSize(min), Values.formatSize(max));
    }

    public static Function<String, Integer> milliCpusIn(int min, int max) {
        return s -> checkRange(Values.parseMilliCpus(s), min, max, min + "m", max + "m");
    }

    public static Function<String, Duration> durationIn(Duration min, Duration max) {
        return s -> {
            Duration value = Values.parseDuration(s);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        };
    }

    public static Function<String, Path> path() {
        return s -> Path.of(text().apply(s));
    }

    /** A path where a leading {@code ~} stands for the user's home directory, as a shell would expand it. */
    public static Function<String, Path> userPath() {
        return s -> {
            String text = text().apply(s);
            if (text.equals("~") || text.startsWith("~/")) {
                return Path.of(System.getProperty("user.home"), text.substring(1).replaceFirst("^/", ""));
            }
            return Path.of(text);
        };
    }

    /** {@code name=value}; the name must not be empty. */
    public static Function<String, Map.Entry<String, String>> keyValue() {
        return s -> {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value");
            }
            return Map.entry(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        };
    }

    public static <E extends Enum<E>> Function<String, E> oneOf(Class<E> type) {
        return s -> {
            String normalised = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(normalised)) {
                    return constant;
                }
            }
            StringBuilder accepted = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                accepted.append(accepted.length() == 0 ? "" : "|")
                        .append(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new IllegalArgumentException("must be one of " + accepted);
        };
    }

    private static <N extends Comparable<N>> N checkRange(N value, N min, N max, String minText, String maxText) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be between " + minText + " and " + maxText);
        }
        return value;
    }
}
