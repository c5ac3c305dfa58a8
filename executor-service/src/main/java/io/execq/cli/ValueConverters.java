package io.execq.cli;

import io.execq.executor.config.Values;
import io.execq.schema.Isolation;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the value syntaxes of {@link Values}: a bad value is a usage error (exit status 2) whose
 * message names the option and the value.
 */
final class ValueConverters {

    private ValueConverters() {
    }

    /** Turns the parser's message into picocli's, so the usage error reads "Invalid value for option ...: <why>". */
    private static <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 such as {@code PT30S}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse(() -> Values.parseDuration(value));
        }
    }

    /** {@code 512}, {@code 64k}, {@code 256m}, {@code 2g}. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parse(() -> Values.parseSize(value));
        }
    }

    /** {@code 0.5}, {@code 2}, {@code 500m}: thousandths of a CPU. */
    static final class MilliCpusConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parse(() -> Values.parseMilliCpus(value));
        }
    }

    /**
     * A point in time: an ISO-8601 instant ({@code 2026-11-22T10:00:00Z}) or a duration that far back from now
     * ({@code 1h} = an hour ago), for {@code --since}/{@code --until}.
     */
    static final class PastInstantConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException notAnInstant) {
                return Instant.now().minus(parse(() -> Values.parseDuration(value)));
            }
        }
    }

    /** {@code container}, {@code prefer-container} or {@code process} (any case; {@code _} for {@code -} too). */
    static final class NetworkConverter implements ITypeConverter<io.execq.schema.Network> {
        @Override
        public io.execq.schema.Network convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "none" -> io.execq.schema.Network.NONE;
                case "bridge" -> io.execq.schema.Network.BRIDGE;
                default -> throw new TypeConversionException("'" + value + "' is not one of none, bridge");
            };
        }
    }

    static final class IsolationConverter implements ITypeConverter<Isolation> {
        @Override
        public Isolation convert(String value) {
            String name = value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            if (name.equals("UNKNOWN")) {
                throw new TypeConversionException("'" + value + "' is not an isolation");
            }
            try {
                return Isolation.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not one of container, prefer-container, process");
            }
        }
    }
}
