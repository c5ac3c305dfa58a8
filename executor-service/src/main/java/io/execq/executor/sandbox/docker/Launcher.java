package io.execq.executor.sandbox.docker;

import io.execq.executor.sandbox.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed program of a warm container, and the line that turns it into a request's program.
 *
 * <p>A warm container is created and started before its request is known, so its Docker command cannot be the
 * request's argv. (A run with files uses the same mechanism: its container must run before the files can be copied
 * into its tmpfs volume, see {@link WorkspaceVolume}; its line first changes to the working directory.) It runs {@link #ENTRYPOINT} instead: a shell that blocks reading one line from stdin, then
 * {@code eval}s it. The line ({@link #line}) is {@code exec env -i -- VAR=value... argv...}, every word single-quoted,
 * so the shell interprets nothing of the request: {@code exec} replaces the shell by {@code env} and {@code env} by
 * the program, in the same process (PID 1 of the container). Hence the program gets exactly the argv, the
 * environment Docker would have given it (computed by {@link #processEnvironment} from the container's own
 * configuration), the rest of stdin (the shell reads the line byte by byte), and its exit status, signals and OOM
 * kill are the container's, as in a container created for it.
 *
 * <p>The line must be one line: a newline inside a word is written as {@code "$nl"}, a variable the line sets first.
 */
final class Launcher {

    static final List<String> ENTRYPOINT = List.of("/bin/sh", "-c", "IFS= read -r line || exit 125; eval \"$line\"");

    /** What Docker puts first in every container's environment, before the image's and the container's variables. */
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Where Docker mounts its init (tini) in a container created with {@code Init}. */
    static final String DOCKER_INIT = "/sbin/docker-init";

    private static final String NEWLINE_VARIABLE = "nl=$(printf '\\nx'); nl=${nl%x}; ";

    private Launcher() {
    }

    /**
     * Whether a warm container can run {@code spec} exactly as a container created for it: no files or working dir
     * (a warm container's workspace is its empty tmpfs), no network (a warm container has none), and a program name
     * {@code env} cannot mistake for a variable assignment; no archive and no artifacts (those need the workspace
     * volume).
     */
    static boolean canLaunch(SandboxSpec spec) {
        return spec.files().isEmpty() && spec.workingDir().isEmpty() && spec.argv().get(0).indexOf('=') < 0
                && spec.archive().isEmpty() && !spec.collect().any() && spec.network() == io.execq.schema.Network.NONE;
    }

    /**
     * The environment Docker gives the process of a container with {@code hostname} and configured variables
     * {@code configEnv} (the image's merged with the container's): {@code PATH}, then {@code HOSTNAME}, then each
     * configured variable replacing a same-named one in place or appended.
     */
    static Map<String, String> processEnvironment(String hostname, List<String> configEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        put(env, DEFAULT_PATH);
        put(env, "HOSTNAME=" + hostname);
        configEnv.forEach(variable -> put(env, variable));
        return env;
    }

    /**
     * The line for {@code spec} in a container whose process environment is {@code containerEnv}: {@code env} sets
     * the environment and execs {@code deadline}'s command for the spec, which runs the program as in a container
     * created for it. A run with files (its container was started in the volume's root) first changes to its working
     * directory. Without the deadline helper, a program whose name has a {@code =} (which {@code env} would take for
     * a variable) is exec'd by a second tini ({@code docker-init -s}), which then holds one of its processes.
     */
    static byte[] line(Map<String, String> containerEnv, SandboxSpec spec, RunDeadline deadline) {
        Map<String, String> env = new LinkedHashMap<>(containerEnv);
        env.putAll(spec.env());
        StringBuilder line = new StringBuilder(NEWLINE_VARIABLE);
        if (WorkspaceVolume.needed(spec)) {
            line.append("cd -- ").append(quote(WorkspaceVolume.workingDir(spec))).append(" || exit 125; ");
        }
        line.append("exec env -i --");
        env.forEach((name, value) -> line.append(' ').append(quote(name + "=" + value)));
        List<String> command = deadline.command(spec.argv(), spec.limits());
        if (command.get(0).indexOf('=') >= 0) {
            // env would take the program for a variable (only a run with files gets here, see canLaunch): tini execs it
            line.append(' ').append(quote(DOCKER_INIT)).append(" '-s' '--'");
        }
        command.forEach(word -> line.append(' ').append(quote(word)));
        return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    static String quote(String word) {
        return "'" + word.replace("'", "'\\''").replace("\n", "'\"$nl\"'") + "'";
    }

    private static void put(Map<String, String> env, String variable) {
        int equals = variable.indexOf('=');
        if (equals > 0) {
            env.put(variable.substring(0, equals), variable.substring(equals + 1));
        }
    }
}
