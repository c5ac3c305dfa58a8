package io.execq.ops;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instructions of {@code ops/docker/Dockerfile}, read the way {@code ops/images/build.sh} reads them: comment
 * lines dropped, a trailing backslash joins the next line (its leading blanks removed). Enough of the format for
 * that file: key=value pairs (double quotes for blanks), exec-form arrays, HEALTHCHECK options, plain COPY.
 */
record Dockerfile(List<Instruction> instructions) {

    static final Path EXECUTOR = OpsFiles.OPS.resolve("docker/Dockerfile");

    /** One instruction: its keyword in upper case and the rest of its (joined) line. */
    record Instruction(String keyword, String arguments) {
    }

    /** HEALTHCHECK's options ({@code interval} etc. without the dashes) and its exec-form command. */
    record Healthcheck(Map<String, String> options, List<String> command) {

        Duration duration(String option) {
            String value = options.get(option);
            if (value == null || !value.endsWith("s")) {
                throw new AssertionError("HEALTHCHECK --" + option + " is not given in seconds: " + value);
            }
            return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
        }
    }

    static Dockerfile parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder joined = new StringBuilder();
        for (String line : lines) {
            if (joined.isEmpty()) {
                if (line.isBlank() || line.strip().startsWith("#")) {
                    continue;
                }
            } else {
                line = line.stripLeading();
            }
            if (line.endsWith("\\")) {
                joined.append(line, 0, line.length() - 1);
                continue;
            }
            instructions.add(instruction(joined.append(line).toString()));
            joined.setLength(0);
        }
        if (!joined.isEmpty()) {
            instructions.add(instruction(joined.toString()));
        }
        return new Dockerfile(List.copyOf(instructions));
    }

    private static Instruction instruction(String line) {
        String[] parts = line.strip().split("\\s+", 2);
        return new Instruction(parts[0].toUpperCase(java.util.Locale.ROOT), parts.length > 1 ? parts[1] : "");
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The arguments of the one instruction {@code keyword}; fails when there is none or several. */
    String one(String keyword) {
        List<Instruction> found = all(keyword);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + keyword + " instruction, found " + found.size());
        }
        return found.get(0).arguments();
    }

    /** The exec-form (JSON array) arguments of the one instruction {@code keyword}. */
    List<String> execForm(String keyword) {
        return jsonArray(one(keyword));
    }

    /** Every ENV pair, in order. */
    Map<String, String> env() {
        return pairs("ENV");
    }

    /** Every LABEL pair, in order. */
    Map<String, String> labels() {
        return pairs("LABEL");
    }

    /** COPY destinations by source (paths relative to the build context, the repository's root). */
    Map<String, String> copies() {
        Map<String, String> copies = new LinkedHashMap<>();
        for (Instruction copy : all("COPY")) {
            String[] parts = copy.arguments().split("\\s+");
            if (parts.length != 2 || parts[0].startsWith("--")) {
                throw new AssertionError("build.sh reads plain COPY SOURCE DESTINATION only: " + copy);
            }
            copies.put(parts[0], parts[1]);
        }
        return copies;
    }

    Healthcheck healthcheck() {
        String arguments = one("HEALTHCHECK");
        int cmd = arguments.indexOf("CMD ");
        if (cmd < 0) {
            throw new AssertionError("HEALTHCHECK without CMD: " + arguments);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : arguments.substring(0, cmd).trim().split("\\s+")) {
            if (!option.isEmpty()) {
                String[] kv = option.replaceFirst("^--", "").split("=", 2);
                options.put(kv[0], kv[1]);
            }
        }
        return new Healthcheck(options, jsonArray(arguments.substring(cmd + 4).trim()));
    }

    private Map<String, String> pairs(String keyword) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Instruction instruction : all(keyword)) {
            for (String token : tokens(instruction.arguments())) {
                int eq = token.indexOf('=');
                if (eq <= 0) {
                    throw new AssertionError(keyword + " must be written key=value: " + instruction.arguments());
                }
                pairs.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return pairs;
    }

    /** Blank-separated tokens; double quotes keep blanks and are removed. */
    private static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (!token.isEmpty()) {
                    tokens.add(token.toString());
                    token.setLength(0);
                }
            } else {
                token.append(c);
            }
        }
        if (!token.isEmpty()) {
            tokens.add(token.toString());
        }
        return tokens;
    }

    private static List<String> jsonArray(String text) {
        try {
            return new ObjectMapper().readValue(text, new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new AssertionError("not an exec-form JSON array: " + text, e);
        }
    }
}
