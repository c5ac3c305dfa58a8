package io.execq.executor.sandbox;

/**
 * Why a program could not be executed at all, and the exit code a shell gives that ({@value
 * SandboxOutcome#EXIT_NOT_FOUND} not found, {@value SandboxOutcome#EXIT_CANNOT_EXECUTE} otherwise): the user's
 * failure, never retried. Both sandboxes word it the same way, whichever tool reported it.
 */
public record StartFailure(int exitCode, String reason) {

    private static final String NOT_FOUND = "No such file or directory";

    /** {@code program} could not be executed for the OS's {@code osReason} (strerror text, e.g. ENOENT's). */
    public static StartFailure of(String program, String osReason) {
        return NOT_FOUND.equals(osReason)
                ? new StartFailure(SandboxOutcome.EXIT_NOT_FOUND, "command not found: " + program + ": " + osReason)
                : new StartFailure(SandboxOutcome.EXIT_CANNOT_EXECUTE, "cannot execute: " + program + ": " + osReason);
    }

    /** The kernel refused {@code program}'s argv and environment as too long (E2BIG). */
    public static StartFailure argumentListTooLong(String program, String osReason) {
        return new StartFailure(SandboxOutcome.EXIT_CANNOT_EXECUTE, "cannot execute: " + program + ": " + osReason
                + " (E2BIG: the command and environment exceed the kernel's limit; put large data in a file or on "
                + "stdin)");
    }
}
