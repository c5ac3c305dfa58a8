package io.execq.sdk;

import io.execq.schema.ExecutionRequest;
import io.execq.schema.FileEntry;
import io.execq.schema.Isolation;
import io.execq.schema.Network;
import io.execq.schema.Limits;
import io.execq.sdk.internal.RequestValidator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Builds one validated {@link ExecutionRequest}; obtained from {@link ExecutionRequests#command(String...)}.
 *
 * <p>Every setter returns this builder. Values that cannot be represented (a sub-millisecond timeout, a CPU share
 * below one thousandth) are refused by the setter; everything else is checked together by {@link #build()}, so the
 * order of calls never matters. Unset limits are left null, which means "the executor's default".
 *
 * <p>Not thread-safe. A builder may be used for several {@link #build()} calls; each call without an explicit
 * {@link #requestId(String)} gets a fresh random id, and each call without an explicit {@link #submittedAt(Instant)}
 * reads the clock again.
 */
public final class ExecutionRequestBuilder {

    private final List<String> command;
    private String requestId;
    private Clock clock = Clock.systemUTC();
    private Instant submittedAt;
    private Instant deadline;
    private String image;
    private ByteBuffer stdin;
    private final List<FileEntry> files = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workingDir;
    private Long timeoutMillis;
    private Long memoryBytes;
    private Integer milliCpus;
    private Integer pids;
    private Long maxOutputBytes;
    private Isolation isolation = Isolation.PREFER_CONTAINER;
    private Network network = Network.NONE;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private int attempt = 1;
    private String replayOf;
    private ByteBuffer archive;
    private final List<String> collect = new ArrayList<>();
    private boolean streamOutput;

    /**
     * The largest archive file {@link #archive(java.nio.file.Path)} reads: the largest record a Kafka topic of execq
     * accepts by default (16 MiB); the executor's own {@code --max-request-size} (default 8 MiB) is checked when the
     * request is sent.
     */
    public static final long MAX_ARCHIVE_FILE_BYTES = 16L << 20;

    ExecutionRequestBuilder(List<String> command) {
        // Copied without List.copyOf so that a null element reaches build() and gets its indexed message.
        this.command = new ArrayList<>(Objects.requireNonNull(command, "command"));
    }

    /** The request id, also the Kafka record key. Default: a random UUID, new for each {@link #build()}. */
    public ExecutionRequestBuilder requestId(String requestId) {
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        return this;
    }

    /** When the request was submitted. Default: now, read from {@link #clock(Clock)} at {@link #build()}. */
    public ExecutionRequestBuilder submittedAt(Instant submittedAt) {
        this.submittedAt = Objects.requireNonNull(submittedAt, "submittedAt");
        return this;
    }

    /** The clock that supplies the default {@code submittedAt}. Default: {@link Clock#systemUTC()}. */
    public ExecutionRequestBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * The instant after which the request must not start; an executor that picks it up later answers
     * {@code EXPIRED} without running it. Must be after {@code submittedAt}. Default: none.
     */
    public ExecutionRequestBuilder deadline(Instant deadline) {
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        return this;
    }

    /** Container image or operator-defined alias. Default: the executor's default image. */
    public ExecutionRequestBuilder image(String image) {
        this.image = Objects.requireNonNull(image, "image");
        return this;
    }

    /** Bytes fed to the command's standard input. Default: empty input. */
    public ExecutionRequestBuilder stdin(byte[] stdin) {
        this.stdin = ByteBuffer.wrap(Objects.requireNonNull(stdin, "stdin").clone());
        return this;
    }

    /** {@code stdin} encoded as UTF-8. */
    public ExecutionRequestBuilder stdin(String stdin) {
        return stdin(Objects.requireNonNull(stdin, "stdin").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Adds a file written into the run's workspace before the command starts. {@code path} is relative to the
     * workspace, must not contain {@code ..}, and must not repeat another file's path.
     */
    public ExecutionRequestBuilder file(String path, byte[] content) {
        return addFile(path, content, false);
    }

    /** Like {@link #file(String, byte[])}, with the executable bit set. */
    public ExecutionRequestBuilder executableFile(String path, byte[] content) {
        return addFile(path, content, true);
    }

    /** Adds each of {@code files}, with the same rules as {@link #file(String, byte[])}. */
    public ExecutionRequestBuilder files(Collection<FileEntry> files) {
        for (FileEntry file : Objects.requireNonNull(files, "files")) {
            Objects.requireNonNull(file, "file entry");
            this.files.add(FileEntry.newBuilder(file).build());
        }
        return this;
    }

    /**
     * Sets the workspace archive: a tar or tar.gz (detected by its magic bytes) unpacked into the run's workspace
     * before {@link #file files} are written (a file with the same path as one of the archive replaces it). The
     * executor accepts regular files and directories only (no links, devices or FIFOs), relative paths without
     * {@code ..}, keeps only the execute bit of each mode, and limits the entry count and expanded size
     * ({@code --max-archive-entries}, {@code --max-archive-bytes}, and the run's workspace); anything else is
     * {@code REJECTED} with the reason. The archive travels inside the request, so its size counts against the
     * request's size limit ({@link RequestTooLargeException} at submit).
     *
     * @throws IllegalArgumentException when {@code archive} is empty
     */
    public ExecutionRequestBuilder archive(byte[] archive) {
        Objects.requireNonNull(archive, "archive");
        if (archive.length == 0) {
            throw new IllegalArgumentException("archive must not be empty");
        }
        this.archive = ByteBuffer.wrap(archive.clone());
        return this;
    }

    /**
     * Reads {@code file} as the workspace archive, see {@link #archive(byte[])}.
     *
     * @throws IllegalArgumentException when the file is empty or larger than {@link #MAX_ARCHIVE_FILE_BYTES}
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    public ExecutionRequestBuilder archive(java.nio.file.Path file) {
        Objects.requireNonNull(file, "file");
        try {
            long size = java.nio.file.Files.size(file);
            if (size > MAX_ARCHIVE_FILE_BYTES) {
                throw new IllegalArgumentException("archive " + file + " is " + size + " bytes; a request carries at "
                        + "most " + MAX_ARCHIVE_FILE_BYTES + " bytes");
            }
            return archive(java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read archive " + file, e);
        }
    }

    /**
     * Adds patterns of workspace files to return as artifacts: {@code java.nio} globs relative to the workspace
     * ({@code out/*.txt}, {@code **}{@code /*.log}), never absolute and without {@code ..}. After the run the
     * executor returns each matching regular file (never a link, FIFO or device) in the result's {@code artifacts},
     * up to its caps ({@code --max-artifact-files}, {@code --max-artifacts}); what was dropped or truncated is said
     * in the result's {@code error} and each artifact's {@code truncated}.
     */
    public ExecutionRequestBuilder collect(String... globs) {
        for (String glob : Objects.requireNonNull(globs, "globs")) {
            collect.add(Objects.requireNonNull(glob, "glob"));
        }
        return this;
    }

    private ExecutionRequestBuilder addFile(String path, byte[] content, boolean executable) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(content, "content");
        files.add(new FileEntry(path, ByteBuffer.wrap(content.clone()), executable));
        return this;
    }

    /**
     * Sets one environment variable. The executor starts the command with a cleared environment plus these
     * variables. The key must be non-empty without {@code =}; neither may contain NUL.
     */
    public ExecutionRequestBuilder env(String key, String value) {
        env.put(Objects.requireNonNull(key, "env key"), Objects.requireNonNull(value, "env value"));
        return this;
    }

    /** Sets each of {@code env}; see {@link #env(String, String)}. */
    public ExecutionRequestBuilder env(Map<String, String> env) {
        Objects.requireNonNull(env, "env").forEach(this::env);
        return this;
    }

    /** The directory the command starts in. Default: the run's workspace. */
    public ExecutionRequestBuilder workingDir(String workingDir) {
        this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
        return this;
    }

    /**
     * Wall-clock limit for the run itself (queueing does not count; see {@link #deadline(Instant)} for that).
     *
     * @throws IllegalArgumentException if {@code timeout} is shorter than one millisecond
     */
    public ExecutionRequestBuilder timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
        }
        this.timeoutMillis = timeout.toMillis();
        return this;
    }

    /** Memory limit (memory plus swap), in bytes. */
    public ExecutionRequestBuilder memoryBytes(long memoryBytes) {
        this.memoryBytes = memoryBytes;
        return this;
    }

    /**
     * CPU quota as a number of CPUs, e.g. {@code 0.5}; stored in thousandths.
     *
     * @throws IllegalArgumentException if {@code cpus} is not a number between 0.001 and 2147483.647
     */
    public ExecutionRequestBuilder cpus(double cpus) {
        if (!(cpus >= 0.001) || cpus > Integer.MAX_VALUE / 1000.0) {
            throw new IllegalArgumentException("cpus must be between 0.001 and 2147483.647, got " + cpus);
        }
        this.milliCpus = (int) Math.round(cpus * 1000);
        return this;
    }

    /** CPU quota in thousandths of a CPU (1000 = one CPU). */
    public ExecutionRequestBuilder milliCpus(int milliCpus) {
        this.milliCpus = milliCpus;
        return this;
    }

    /** Maximum number of processes and threads. */
    public ExecutionRequestBuilder pids(int pids) {
        this.pids = pids;
        return this;
    }

    /** Maximum bytes kept of each output stream; the rest is counted but dropped. */
    public ExecutionRequestBuilder maxOutputBytes(long maxOutputBytes) {
        this.maxOutputBytes = maxOutputBytes;
        return this;
    }

    /** Where the request may run. Default: {@link Isolation#PREFER_CONTAINER}. */
    public ExecutionRequestBuilder isolation(Isolation isolation) {
        this.isolation = Objects.requireNonNull(isolation, "isolation");
        return this;
    }

    /**
     * The network the run gets. Default: {@link Network#NONE}, loopback only. {@link Network#BRIDGE} runs it in a
     * container on Docker's bridge network (egress) when the executor's operator allows it
     * ({@code --allow-network bridge}); otherwise, or with isolation {@code PROCESS}, the result is {@code REJECTED}.
     */
    public ExecutionRequestBuilder network(Network network) {
        Objects.requireNonNull(network, "network");
        if (network == Network.UNKNOWN) {
            throw new IllegalArgumentException("network must be NONE or BRIDGE");
        }
        this.network = network;
        return this;
    }

    /** Sets one free-form label; labels are echoed in the result. */
    public ExecutionRequestBuilder label(String key, String value) {
        labels.put(Objects.requireNonNull(key, "label key"), Objects.requireNonNull(value, "label value"));
        return this;
    }

    /** Sets each of {@code labels}. */
    public ExecutionRequestBuilder labels(Map<String, String> labels) {
        Objects.requireNonNull(labels, "labels").forEach(this::label);
        return this;
    }

    /**
     * Asks the executor to publish the run's output to the output topic while it runs (chunks, best effort; see
     * {@link ExecutionClient#execute(ExecutionRequest, Duration, OutputListener)}). The result's output is the same
     * either way. Default: false.
     */
    public ExecutionRequestBuilder streamOutput(boolean streamOutput) {
        this.streamOutput = streamOutput;
        return this;
    }

    /** For replay tooling: 1 for a first submission (the default), incremented by each replay. */
    public ExecutionRequestBuilder attempt(int attempt) {
        this.attempt = attempt;
        return this;
    }

    /** For replay tooling: the request id this request replays. */
    public ExecutionRequestBuilder replayOf(String replayOf) {
        this.replayOf = Objects.requireNonNull(replayOf, "replayOf");
        return this;
    }

    /**
     * Builds and validates the request. Instants are truncated to milliseconds, the precision they travel with.
     *
     * @throws IllegalArgumentException naming the first field that breaks a rule, see
     *     {@link ExecutionRequests#validate(ExecutionRequest)}
     */
    public ExecutionRequest build() {
        Instant submitted = (submittedAt != null ? submittedAt : clock.instant()).truncatedTo(ChronoUnit.MILLIS);
        Limits limits = timeoutMillis == null && memoryBytes == null && milliCpus == null && pids == null
                && maxOutputBytes == null
                ? null
                : new Limits(timeoutMillis, memoryBytes, milliCpus, pids, maxOutputBytes);
        List<FileEntry> fileCopies = new ArrayList<>();
        for (FileEntry file : files) {
            fileCopies.add(FileEntry.newBuilder(file).build());
        }
        ExecutionRequest request = ExecutionRequest.newBuilder()
                .setRequestId(requestId != null ? requestId : UUID.randomUUID().toString())
                .setSubmittedAt(submitted)
                .setDeadline(deadline == null ? null : deadline.truncatedTo(ChronoUnit.MILLIS))
                .setImage(image)
                .setCommand(new ArrayList<>(command))
                .setStdin(stdin == null ? null : stdin.duplicate())
                .setFiles(fileCopies)
                .setEnv(new LinkedHashMap<>(env))
                .setWorkingDir(workingDir)
                .setLimits(limits)
                .setIsolation(isolation)
                .setNetwork(network)
                .setLabels(new LinkedHashMap<>(labels))
                .setAttempt(attempt)
                .setReplayOf(replayOf)
                .setArchive(archive == null ? null : archive.duplicate())
                .setCollect(new ArrayList<>(collect))
                .setStreamOutput(streamOutput)
                .build();
        return RequestValidator.validate(request);
    }
}
