package io.execq.sdk;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The kernel's limits on what one {@code execve} may carry, checked before a request is sent and again by the
 * executor, so that a request too big to start is refused with a reason instead of failing at exec time.
 *
 * <p>Linux counts every argument and every {@code NAME=value} environment string with its terminating NUL, plus a
 * pointer per string, against {@code ARG_MAX} (a quarter of the stack limit; {@code getconf ARG_MAX}, 2 MiB with the
 * usual 8 MiB stack), and refuses any single string longer than {@code MAX_ARG_STRLEN} (32 pages: 128 KiB with its
 * NUL) with {@code E2BIG}. The sandbox adds its own strings (the image's environment, wrapper arguments), so the
 * request may use only a budget below {@code ARG_MAX}.
 *
 * @param maxStringBytes the largest string allowed, NUL included ({@code MAX_ARG_STRLEN})
 * @param maxTotalBytes the budget for all of argv and env: string bytes, NULs and pointers
 * @param argMax the {@code ARG_MAX} the budget was derived from, for messages
 */
public record ExecLimits(long maxStringBytes, long maxTotalBytes, long argMax) {

    /** Linux's {@code MAX_ARG_STRLEN} with 4 KiB pages: 32 pages, the terminating NUL included. */
    public static final long LINUX_MAX_ARG_STRLEN = 32 * 4096;
    /** {@code ARG_MAX} of a Linux host with the usual 8 MiB stack limit. */
    public static final long LINUX_DEFAULT_ARG_MAX = 2L * 1024 * 1024;
    /** What each string costs besides its bytes and NUL: the pointer in the argv or envp array. */
    static final int POINTER_BYTES = 8;

    /**
     * The rule producers are held to: half of the usual {@code ARG_MAX}, so the image's environment and the
     * sandbox's own arguments always fit beside the request's.
     */
    public static final ExecLimits DEFAULT = forArgMax(LINUX_DEFAULT_ARG_MAX);

    public ExecLimits {
        if (maxStringBytes <= 1 || maxTotalBytes <= 0 || argMax <= 0) {
            throw new IllegalArgumentException("exec limits must be positive: " + maxStringBytes + ", "
                    + maxTotalBytes + ", " + argMax);
        }
    }

    /** The limits on a host whose {@code getconf ARG_MAX} is {@code argMax}: half of it, and never above the default. */
    public static ExecLimits forArgMax(long argMax) {
        return new ExecLimits(LINUX_MAX_ARG_STRLEN, Math.min(argMax, LINUX_DEFAULT_ARG_MAX) / 2, argMax);
    }

    /**
     * Checks a command and its environment.
     *
     * @throws IllegalArgumentException naming the string or the total that is too large, the kernel limit behind
     *     the rule, and what to do instead
     */
    public void check(List<String> command, Map<String, String> env) {
        long total = 0;
        for (int i = 0; i < command.size(); i++) {
            total += cost(command.get(i), "command[" + i + "]");
        }
        for (Map.Entry<String, String> variable : env.entrySet()) {
            total += cost(variable.getKey() + "=" + variable.getValue(), "env " + variable.getKey());
        }
        if (total > maxTotalBytes) {
            throw new IllegalArgumentException(String.format(
                    "command and env need %,d bytes at exec; the limit is %,d bytes (half of the kernel's ARG_MAX "
                            + "of %,d, leaving room for the image's environment): put large data in a file "
                            + "(request files) or pass it on stdin", total, maxTotalBytes, argMax));
        }
    }

    private long cost(String string, String name) {
        long bytes = string.getBytes(StandardCharsets.UTF_8).length + 1L;
        if (bytes > maxStringBytes) {
            throw new IllegalArgumentException(String.format(
                    "%s is %,d bytes; the kernel refuses any single argument or environment string over %,d bytes "
                            + "(MAX_ARG_STRLEN): put the program in a file (request files) or pass it on stdin",
                    name, bytes - 1, maxStringBytes - 1));
        }
        return bytes + POINTER_BYTES;
    }
}
