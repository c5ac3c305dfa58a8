package io.execq.sdk.internal;

import io.execq.schema.ExecutionRequest;
import io.execq.sdk.ExecLimits;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Limits;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks every request passes before it is sent, whether it came from the builder or was assembled by hand
 * (replay tooling, the Avro builder). Each failure is an {@link IllegalArgumentException} whose message names the
 * field and the offending value; the messages are part of the SDK's contract and tested verbatim.
 */
public final class RequestValidator {

    private RequestValidator() {
    }

    public static ExecutionRequest validate(ExecutionRequest request) {
        return validate(request, ExecLimits.DEFAULT);
    }

    /** As {@link #validate(ExecutionRequest)}, with the exec limits of a particular host. */
    public static ExecutionRequest validate(ExecutionRequest request, ExecLimits execLimits) {
        requireNotBlank(request.getRequestId(), "requestId");
        requireNoNul(request.getRequestId(), "requestId");
        if (request.getSubmittedAt() == null) {
            throw new IllegalArgumentException("submittedAt must be set");
        }
        if (request.getDeadline() != null && !request.getDeadline().isAfter(request.getSubmittedAt())) {
            throw new IllegalArgumentException("deadline " + request.getDeadline() + " must be after submittedAt "
                    + request.getSubmittedAt());
        }
        if (request.getImage() != null) {
            requireNotBlank(request.getImage(), "image");
            requireNoNul(request.getImage(), "image");
        }
        validateCommand(request.getCommand());
        validateFiles(request.getFiles());
        validateEnv(request.getEnv());
        execLimits.check(request.getCommand(), request.getEnv());
        if (request.getWorkingDir() != null) {
            requireNotBlank(request.getWorkingDir(), "workingDir");
            requireNoNul(request.getWorkingDir(), "workingDir");
        }
        if (request.getLimits() != null) {
            validateLimits(request.getLimits());
        }
        if (request.getIsolation() == null || request.getIsolation() == Isolation.UNKNOWN) {
            throw new IllegalArgumentException("isolation must be CONTAINER, PREFER_CONTAINER or PROCESS, got "
                    + request.getIsolation());
        }
        validateLabels(request.getLabels());
        if (request.getAttempt() < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, got " + request.getAttempt());
        }
        if (request.getReplayOf() != null) {
            requireNotBlank(request.getReplayOf(), "replayOf");
        }
        if (request.getArchive() != null && !request.getArchive().hasRemaining()) {
            throw new IllegalArgumentException("archive must not be empty");
        }
        for (String glob : request.getCollect()) {
            validateCollect(glob);
        }
        return request;
    }

    private static void validateCommand(List<String> command) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (arg == null) {
                throw new IllegalArgumentException("command[" + i + "] must not be null");
            }
            requireNoNul(arg, "command[" + i + "]");
        }
        if (command.get(0).isBlank()) {
            throw new IllegalArgumentException("command[0] must not be blank");
        }
    }

    /** A workspace-relative {@code java.nio} glob: not blank, not absolute, no {@code ..}, NUL or backslash. */
    private static void validateCollect(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("collect pattern must not be blank");
        }
        requireNoNul(glob, "collect pattern " + glob.replace('\0', '?'));
        if (glob.startsWith("/") || glob.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("collect pattern must be relative to the workspace, got " + glob);
        }
        for (String segment : glob.split("/")) {
            if (segment.equals("..")) {
                throw new IllegalArgumentException("collect pattern must not contain '..', got " + glob);
            }
        }
        try {
            java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("collect pattern " + glob + " is not a valid glob: "
                    + e.getDescription());
        }
    }

    private static void validateFiles(List<FileEntry> files) {
        Set<String> seen = new HashSet<>();
        for (FileEntry file : files) {
            String path = file.getPath();
            String normalized = normalizeFilePath(path);
            if (!seen.add(normalized)) {
                throw new IllegalArgumentException("file path " + path + " is given twice");
            }
            if (file.getContent() == null) {
                throw new IllegalArgumentException("file " + path + " must have content");
            }
        }
    }

    /**
     * The path with {@code .} segments and repeated slashes removed, for duplicate detection. Absolute paths are
     * refused: only the executor knows where the workspace is, so a client cannot tell an absolute path inside it
     * from one outside it.
     */
    static String normalizeFilePath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("file path must not be empty");
        }
        requireNoNul(path, "file path " + path.replace('\0', '?'));
        if (path.startsWith("/") || path.startsWith("\\")) {
            throw new IllegalArgumentException("file path must be relative to the workspace, got " + path);
        }
        StringBuilder normalized = new StringBuilder();
        for (String segment : path.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new IllegalArgumentException("file path must not contain '..', got " + path);
            }
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (normalized.length() > 0) {
                normalized.append('/');
            }
            normalized.append(segment);
        }
        if (normalized.length() == 0 || path.endsWith("/")) {
            throw new IllegalArgumentException("file path must name a file, got " + path);
        }
        return normalized.toString();
    }

    private static void validateEnv(Map<String, String> env) {
        for (Map.Entry<String, String> entry : env.entrySet()) {
            String key = entry.getKey();
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("env key must not be empty");
            }
            if (key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("env key must not contain '=', got " + key);
            }
            requireNoNul(key, "env key " + key.replace('\0', '?'));
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("env value of " + key + " must not be null");
            }
            requireNoNul(entry.getValue(), "env value of " + key);
        }
    }

    private static void validateLabels(Map<String, String> labels) {
        for (Map.Entry<String, String> entry : labels.entrySet()) {
            if (entry.getKey() == null || entry.getKey().isEmpty()) {
                throw new IllegalArgumentException("label key must not be empty");
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("label " + entry.getKey() + " must have a value");
            }
        }
    }

    private static void validateLimits(Limits limits) {
        requirePositive(limits.getTimeoutMillis(), "timeoutMillis");
        requirePositive(limits.getMemoryBytes(), "memoryBytes");
        requirePositive(limits.getMilliCpus(), "milliCpus");
        requirePositive(limits.getPids(), "pids");
        requirePositive(limits.getMaxOutputBytes(), "maxOutputBytes");
    }

    static void requirePositive(Number value, String name) {
        if (value != null && value.longValue() <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void requireNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    private static void requireNoNul(String value, String name) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + " must not contain a NUL character");
        }
    }
}
