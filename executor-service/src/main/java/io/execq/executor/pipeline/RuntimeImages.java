package io.execq.executor.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The runtimes catalog: the images {@code ops/images/build.sh} builds for programs, and the names producers may use
 * for them instead of an image ({@code --image node}). These are the executor's default {@code --image-alias} table;
 * an operator's aliases are added to it and win on the same name.
 *
 * <p>An alias names an image and grants nothing: the image must still pass {@code --allowed-images}, so an operator
 * who does not want a runtime leaves its image off the allow-list. Aliases name the stable tags (the major version,
 * e.g. {@code execq/node:18}); {@code build.sh} also tags each image with the packaged version
 * ({@code execq/node:18.20.4}) and fails when the packaged major version is not the stable tag's.
 *
 * <p>Only Docker runs use the image. A request that falls back to the host-process sandbox runs the host's own
 * {@code node}, {@code g++} or {@code java} (whatever its {@code PATH} finds), and its result names no image.
 */
public final class RuntimeImages {

    /** Debian's static busybox: {@code sh} (ash) and the usual applets; the default image. */
    public static final String BUSYBOX = "execq/busybox:latest";
    /** Debian bookworm minbase + python3 (3.11); also Debian's bash 5.2 and coreutils. */
    public static final String PYTHON = "execq/python:3.11";
    /** Debian bookworm minbase + nodejs (18). */
    public static final String NODE = "execq/node:18";
    /** Debian bookworm minbase + gcc, g++, make, libc6-dev (GCC 12). */
    public static final String GCC = "execq/gcc:12";
    /** Debian bookworm minbase + openjdk-17-jdk-headless: {@code javac}, {@code java}. */
    public static final String JAVA = "execq/java:17";

    /**
     * Alias → image, in documentation order. {@code bash} runs in the Python image: busybox has no bash, and the
     * Python image is the smallest one built here that has Debian's bash (bash is Essential in every Debian root fs).
     */
    public static final Map<String, String> DEFAULT_ALIASES = defaults();

    private RuntimeImages() {
    }

    /** The default table overlaid with {@code operatorAliases} (an operator's alias wins on the same name). */
    public static Map<String, String> withDefaults(Map<String, String> operatorAliases) {
        Map<String, String> merged = new LinkedHashMap<>(DEFAULT_ALIASES);
        merged.putAll(operatorAliases);
        return java.util.Collections.unmodifiableMap(merged);
    }

    /** {@code name=image, ...}, for option help and docs. */
    public static String describeDefaults() {
        return DEFAULT_ALIASES.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static Map<String, String> defaults() {
        Map<String, String> aliases = new LinkedHashMap<>();
        aliases.put("busybox", BUSYBOX);
        aliases.put("sh", BUSYBOX);
        aliases.put("bash", PYTHON);
        aliases.put("python", PYTHON);
        aliases.put("node", NODE);
        aliases.put("gcc", GCC);
        aliases.put("cpp", GCC);
        aliases.put("java", JAVA);
        return java.util.Collections.unmodifiableMap(aliases);
    }
}
