package io.execq.executor.sandbox.hostile;

import io.execq.executor.config.Values;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.hostile.Expectations.SizeRule;
import io.execq.executor.sandbox.hostile.Expectations.Status;
import io.execq.executor.sandbox.hostile.Expectations.Stream;
import io.execq.executor.sandbox.hostile.Expectations.TextRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one case file: {@code key: value} header lines ({@code #} starts a comment line), then the sections
 * {@code --- program} and optionally {@code --- companion}, each holding text up to the next section or the end.
 * Unknown keys, missing required keys and malformed values fail with the file name and line.
 */
public final class HostileCaseFile {

    /** Keys that may appear once. */
    private static final Set<String> SINGLE = Set.of("id", "title", "proves", "language", "timeout", "memory", "pids",
            "output", "stdin", "runs", "workspace-file", "expect-status", "expect-exit-code", "expect-max-duration",
            "expect-stdout-sha256", "host-checks");
    private static final Set<String> REPEATABLE = Set.of("source", "exception");
    private static final Pattern TEXT_RULE = Pattern.compile("expect-(stdout|stderr|output)-(contains|not-contains|matches)");
    private static final Pattern SIZE_RULE = Pattern.compile("expect-(stdout|stderr)-(kept|total)-bytes");
    private static final Pattern EXCEPTION = Pattern.compile("(docker|process) ([a-z-]+): (.+)");
    private static final Set<String> SECTIONS = Set.of("program", "companion");

    private final String name;
    private final Map<String, String> single = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final List<TextRule> textRules = new ArrayList<>();
    private final List<SizeRule> sizeRules = new ArrayList<>();
    private final Map<String, String> sections = new LinkedHashMap<>();

    private HostileCaseFile(String name) {
        this.name = name;
    }

    /**
     * @param name the file name, {@code <id>.case}
     * @param text the file's content
     */
    public static HostileCase parse(String name, String text) {
        HostileCaseFile file = new HostileCaseFile(name);
        file.read(text);
        return file.toCase();
    }

    private void read(String text) {
        String[] lines = text.split("\n", -1);
        String section = null;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("--- ")) {
                closeSection(section, body);
                section = line.substring(4).trim();
                if (!SECTIONS.contains(section) || sections.containsKey(section)) {
                    throw error(i, "unknown or repeated section '" + section + "' (sections: " + SECTIONS + ")");
                }
                body.setLength(0);
            } else if (section != null) {
                body.append(line).append('\n');
            } else if (!line.isBlank() && !line.startsWith("#")) {
                header(i, line);
            }
        }
        closeSection(section, body);
    }

    private void closeSection(String section, StringBuilder body) {
        if (section != null) {
            sections.put(section, body.toString().strip() + "\n");
        }
    }

    private void header(int index, String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw error(index, "expected 'key: value', got '" + line + "'");
        }
        String key = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (value.isEmpty()) {
            throw error(index, "key '" + key + "' has no value");
        }
        Matcher text = TEXT_RULE.matcher(key);
        Matcher size = SIZE_RULE.matcher(key);
        if (text.matches()) {
            Stream stream = Stream.valueOf(text.group(1).toUpperCase(Locale.ROOT));
            if (text.group(2).equals("matches")) {
                Pattern.compile(value); // fails here, with the file name below, rather than at run time
            }
            textRules.add(new TextRule(stream, text.group(2), value));
        } else if (size.matches()) {
            sizeRules.add(new SizeRule(Stream.valueOf(size.group(1).toUpperCase(Locale.ROOT)), size.group(2), parseSize(index, value)));
        } else if (REPEATABLE.contains(key)) {
            repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        } else if (SINGLE.contains(key)) {
            if (single.putIfAbsent(key, value) != null) {
                throw error(index, "key '" + key + "' appears more than once");
            }
        } else {
            throw error(index, "unknown key '" + key + "'");
        }
    }

    private HostileCase toCase() {
        String id = required("id");
        if (!name.equals(id + ".case")) {
            throw error(-1, "id '" + id + "' does not match the file name");
        }
        List<String> sources = repeated.getOrDefault("source", List.of());
        if (sources.isEmpty()) {
            throw error(-1, "a case needs at least one 'source'");
        }
        if (!sections.containsKey("program")) {
            throw error(-1, "a case needs a '--- program' section");
        }
        SandboxLimits limits = new SandboxLimits(duration("timeout"), size("memory"), 1000,
                Integer.parseInt(required("pids")), size("output"));
        HostileCase.Language language = HostileCase.Language.valueOf(required("language").toUpperCase(Locale.ROOT));
        int runs = Integer.parseInt(single.getOrDefault("runs", "1"));
        if (runs < 1 || runs > 3) {
            throw error(-1, "runs must be 1..3, got " + runs);
        }
        Set<String> checks = new HashSet<>();
        for (String check : single.getOrDefault("host-checks", "").split(",")) {
            if (!check.isBlank()) {
                checks.add(requireKnownCheck(check.trim()));
            }
        }
        return new HostileCase(id, required("title"), sources, required("proves"), language, sections.get("program"),
                Optional.ofNullable(sections.get("companion")), limits,
                (int) Values.parseSize(single.getOrDefault("stdin", "0")), runs,
                Optional.ofNullable(single.get("workspace-file")), expectations(), checks, exceptions());
    }

    private Expectations expectations() {
        Set<Status> statuses = EnumSet.noneOf(Status.class);
        for (String status : single.getOrDefault("expect-status", "").split("\\|")) {
            if (!status.isBlank()) {
                try {
                    statuses.add(Status.valueOf(status.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
                } catch (IllegalArgumentException e) {
                    throw error(-1, "expect-status '" + status.trim() + "' is not one of timed-out, oom-killed, succeeded, failed");
                }
            }
        }
        OptionalInt exit = single.containsKey("expect-exit-code")
                ? OptionalInt.of(Integer.parseInt(single.get("expect-exit-code"))) : OptionalInt.empty();
        Optional<Duration> max = single.containsKey("expect-max-duration")
                ? Optional.of(duration("expect-max-duration")) : Optional.empty();
        if (statuses.isEmpty() && exit.isEmpty()) {
            throw error(-1, "a case must expect a status or an exit code");
        }
        return new Expectations(statuses, exit, max, textRules, sizeRules,
                Optional.ofNullable(single.get("expect-stdout-sha256")));
    }

    private Map<String, Map<String, String>> exceptions() {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (String line : repeated.getOrDefault("exception", List.of())) {
            Matcher m = EXCEPTION.matcher(line);
            if (!m.matches()) {
                throw error(-1, "exception must read '<docker|process> <check>: <reason>', got '" + line + "'");
            }
            out.computeIfAbsent(m.group(1), b -> new HashMap<>()).put(requireKnownCheck(m.group(2)), m.group(3));
        }
        return out;
    }

    private String requireKnownCheck(String check) {
        if (!HostChecks.NAMES.contains(check)) {
            throw error(-1, "unknown host check '" + check + "' (known: " + HostChecks.NAMES + ")");
        }
        return check;
    }

    private String required(String key) {
        String value = single.get(key);
        if (value == null) {
            throw error(-1, "missing key '" + key + "'");
        }
        return value;
    }

    private Duration duration(String key) {
        try {
            return Values.parseDuration(required(key));
        } catch (IllegalArgumentException e) {
            throw error(-1, key + ": " + e.getMessage());
        }
    }

    private long size(String key) {
        return parseSize(-1, required(key));
    }

    private long parseSize(int index, String value) {
        try {
            return Values.parseSize(value);
        } catch (IllegalArgumentException e) {
            throw error(index, e.getMessage());
        }
    }

    private IllegalArgumentException error(int index, String message) {
        return new IllegalArgumentException(name + (index >= 0 ? ":" + (index + 1) : "") + ": " + message);
    }
}
