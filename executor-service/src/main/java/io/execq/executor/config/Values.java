package io.execq.executor.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the value syntaxes operators type: sizes with k/m/g suffixes and durations like 500ms, 30s, 5m. */
public final class Values {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

    private Values() {
    }

    /** {@code 512}, {@code 64k}, {@code 256m}, {@code 2g}, {@code 1t} (binary multiples; {@code 64MiB} and {@code 64mb} too). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 65536, 64k, 256m, 2g)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long value = Long.parseLong(m.group(1));
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return value << shift;
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, or ISO-8601 such as {@code PT30S}. */
    public static Duration parseDuration(String text) {
        String trimmed = text.trim();
        if (trimmed.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return Duration.parse(trimmed.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration");
            }
        }
        Matcher m = DURATION.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 500ms, 30s, 5m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Milli-CPUs from {@code 0.5}, {@code 2} or {@code 500m} (Kubernetes style). */
    public static int parseMilliCpus(String text) {
        String trimmed = text.trim();
        try {
            if (trimmed.endsWith("m")) {
                return Integer.parseInt(trimmed.substring(0, trimmed.length() - 1));
            }
            double cpus = Double.parseDouble(trimmed);
            if (Double.isNaN(cpus) || Double.isInfinite(cpus) || cpus > Integer.MAX_VALUE / 1000.0) {
                throw new NumberFormatException();
            }
            return (int) Math.round(cpus * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CPU amount (examples: 0.5, 2, 500m)");
        }
    }

    /** Human form of a byte count, for messages: 64 MiB, 1536 KiB, 100 B. */
    public static String formatSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        long value = bytes;
        while (unit < units.length - 1 && value >= 1024 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + " " + units[unit];
    }
}
