package io.execq.executor.sandbox;

import io.execq.schema.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything a sandbox needs to run one execution. Immutable and validated at construction, so a sandbox never
 * sees a spec that could escape its workspace or confuse its argv.
 *
 * <p>Paths: files and the working directory are relative to the run's private workspace, which is also the
 * default working directory and {@code HOME}. The workspace's absolute location is the sandbox's business
 * (Docker: {@code /execq/work} on a per-run volume; process: a fresh temp dir).
 *
 * @param requestId the request this run belongs to; logged and put on container labels
 * @param executorId the executor running it; put on container labels so its orphans can be reaped
 * @param image the image reference, already resolved by the caller; the process sandbox ignores it
 * @param argv the program and its arguments, executed directly (never through a shell); non-empty
 * @param stdin bytes fed to the program's standard input, then end-of-file (empty: immediate EOF)
 * @param files files placed in the workspace before start; paths unique
 * @param env variables added to the sandbox's minimal environment; nothing is inherited from the executor
 * @param workingDir optional directory relative to the workspace (created if missing); empty means the workspace
 * @param limits the effective limits
 * @param archive a validated workspace archive placed before {@code files}; a file of {@code files} with the path of
 *     an archive file replaces it
 * @param collect which files of the workspace the run returns as artifacts
 * @param network {@code NONE} (loopback only) or {@code BRIDGE} (the engine's bridge network; Docker only)
 */
public record SandboxSpec(
        String requestId,
        String executorId,
        String image,
        List<String> argv,
        byte[] stdin,
        List<SandboxFile> files,
        Map<String, String> env,
        Optional<String> workingDir,
        SandboxLimits limits,
        Optional<WorkspaceArchive> archive,
        CollectSpec collect,
        Network network) {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public SandboxSpec {
        requireText(requestId, "requestId");
        requireText(executorId, "executorId");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("argv must name a program, got " + argv);
        }
        for (String arg : argv) {
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argv elements must be non-null and free of NUL, got " + argv);
            }
        }
        argv = List.copyOf(argv);
        stdin = stdin == null ? new byte[0] : stdin.clone();
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        Set<String> seen = new HashSet<>();
        for (SandboxFile file : files) {
            if (!seen.add(file.path())) {
                throw new IllegalArgumentException("file path '" + file.path() + "' appears more than once");
            }
        }
        env = validatedEnv(env);
        workingDir = Objects.requireNonNull(workingDir, "workingDir")
                .map(dir -> WorkspacePath.normalise(dir, "workingDir"))
                .filter(dir -> !dir.isEmpty());
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(collect, "collect");
        if (archive.isPresent()) {
            for (SandboxFile file : files) {
                if (archive.get().hasDirectory(file.path())) {
                    throw new IllegalArgumentException("file path '" + file.path()
                            + "' is a directory of the archive");
                }
                for (String dir = parentOf(file.path()); !dir.isEmpty(); dir = parentOf(dir)) {
                    if (archive.get().hasFile(dir)) {
                        throw new IllegalArgumentException("file path '" + file.path() + "' lies under '" + dir
                                + "', which the archive makes a file");
                    }
                }
            }
        }
        if (network != Network.NONE && network != Network.BRIDGE) {
            throw new IllegalArgumentException("network must be NONE or BRIDGE, got " + network);
        }
    }

    /** A spec without archive and artifacts, with loopback only. */
    public SandboxSpec(String requestId, String executorId, String image, List<String> argv, byte[] stdin,
                       List<SandboxFile> files, Map<String, String> env, Optional<String> workingDir,
                       SandboxLimits limits) {
        this(requestId, executorId, image, argv, stdin, files, env, workingDir, limits, Optional.empty(),
                CollectSpec.NONE, Network.NONE);
    }

    /** A spec with loopback only. */
    public SandboxSpec(String requestId, String executorId, String image, List<String> argv, byte[] stdin,
                       List<SandboxFile> files, Map<String, String> env, Optional<String> workingDir,
                       SandboxLimits limits, Optional<WorkspaceArchive> archive, CollectSpec collect) {
        this(requestId, executorId, image, argv, stdin, files, env, workingDir, limits, archive, collect, Network.NONE);
    }

    /** A spec with no stdin, files, env or working dir: handy for callers and tests. */
    public static SandboxSpec of(String requestId, String executorId, String image, List<String> argv, SandboxLimits limits) {
        return new SandboxSpec(requestId, executorId, image, argv, new byte[0], List.of(), Map.of(), Optional.empty(), limits);
    }

    @Override
    public byte[] stdin() {
        return stdin.clone();
    }

    /** Returns a copy with other stdin. */
    public SandboxSpec withStdin(byte[] newStdin) {
        return new SandboxSpec(requestId, executorId, image, argv, newStdin, files, env, workingDir, limits, archive,
                collect, network);
    }

    /** Returns a copy with other files and working dir. */
    public SandboxSpec withFiles(List<SandboxFile> newFiles, Optional<String> newWorkingDir) {
        return new SandboxSpec(requestId, executorId, image, argv, stdin, newFiles, env, newWorkingDir, limits, archive,
                collect, network);
    }

    /** Returns a copy with other env. */
    public SandboxSpec withEnv(Map<String, String> newEnv) {
        return new SandboxSpec(requestId, executorId, image, argv, stdin, files, newEnv, workingDir, limits, archive,
                collect, network);
    }

    /** Returns a copy on {@code newNetwork}. */
    public SandboxSpec withNetwork(Network newNetwork) {
        return new SandboxSpec(requestId, executorId, image, argv, stdin, files, env, workingDir, limits, archive,
                collect, newNetwork);
    }

    /** Returns a copy with another archive. */
    public SandboxSpec withArchive(Optional<WorkspaceArchive> newArchive) {
        return new SandboxSpec(requestId, executorId, image, argv, stdin, files, env, workingDir, limits, newArchive,
                collect, network);
    }

    /** Returns a copy collecting {@code newCollect}. */
    public SandboxSpec withCollect(CollectSpec newCollect) {
        return new SandboxSpec(requestId, executorId, image, argv, stdin, files, env, workingDir, limits, archive,
                newCollect, network);
    }

    /** Whether the archive's file at {@code path} is replaced by one of {@code files}. */
    public boolean overridesArchiveFile(String path) {
        return files.stream().anyMatch(f -> f.path().equals(path));
    }

    /** Every directory the workspace must contain: parents of files and the working dir, outermost first. */
    public List<String> directories() {
        Set<String> dirs = new java.util.TreeSet<>();
        List<String> leaves = new ArrayList<>();
        files.forEach(f -> leaves.add(parentOf(f.path())));
        workingDir.ifPresent(leaves::add);
        archive.ifPresent(a -> leaves.addAll(a.directories()));
        for (String leaf : leaves) {
            for (String dir = leaf; !dir.isEmpty(); dir = parentOf(dir)) {
                dirs.add(dir);
            }
        }
        return List.copyOf(dirs);
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static Map<String, String> validatedEnv(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Map<String, String> copy = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name == null || !ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("env name must match " + ENV_NAME + ", got '" + name + "'");
            }
            if (value == null || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("env value of " + name + " must be non-null and free of NUL");
            }
            copy.put(name, value);
        });
        return java.util.Collections.unmodifiableMap(copy);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must be non-blank");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SandboxSpec s && s.requestId.equals(requestId) && s.executorId.equals(executorId)
                && s.image.equals(image) && s.argv.equals(argv) && java.util.Arrays.equals(s.stdin, stdin)
                && s.files.equals(files) && s.env.equals(env) && s.workingDir.equals(workingDir)
                && s.limits.equals(limits) && s.archive.equals(archive) && s.collect.equals(collect);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, executorId, image, argv, java.util.Arrays.hashCode(stdin), files, env, workingDir, limits, archive, collect);
    }

    @Override
    public String toString() {
        return "SandboxSpec[request=" + requestId + ", image=" + image + ", argv=" + argv + ", stdin=" + stdin.length
                + " bytes, files=" + files + ", env=" + env.keySet() + ", workingDir=" + workingDir + ", limits=" + limits
                + archive.map(a -> ", archive=" + a.entries().size() + " entries").orElse("")
                + (collect.any() ? ", collect=" + collect.globs() : "") + "]";
    }
}
