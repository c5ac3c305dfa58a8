package io.execq.executor.sandbox.hostile;

import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One case on one backend: the values unique to this execution of it (a marker for the names it creates, a free
 * loopback port, a secret for its companion) and the specs of its runs.
 */
public final class CaseRun {

    /** How long the companion may run: it sleeps while the hostile program looks for it. */
    static final Duration COMPANION_TIMEOUT = Duration.ofSeconds(20);

    private final HostileCase hostileCase;
    private final HostBait bait;
    private final CorpusBackend backend;
    private final String executorId;
    private final String marker;
    private final int port;
    private final String secret;
    private final List<String> requestIds = new ArrayList<>();

    CaseRun(HostileCase hostileCase, HostBait bait, CorpusBackend backend, String executorId) throws IOException {
        this.hostileCase = hostileCase;
        this.bait = bait;
        this.backend = backend;
        this.executorId = executorId;
        this.marker = "execq-hostile-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.port = freeLoopbackPort();
        this.secret = "execq-companion-secret-" + UUID.randomUUID();
    }

    HostileCase hostileCase() {
        return hostileCase;
    }

    HostBait bait() {
        return bait;
    }

    CorpusBackend backend() {
        return backend;
    }

    /** Part of the name of everything the program creates on purpose: host checks look for it. */
    String marker() {
        return marker;
    }

    /** A loopback port that was free when the case started; the program may listen on it. */
    int port() {
        return port;
    }

    /** What the companion writes into its workspace and no other run may read. */
    String secret() {
        return secret;
    }

    /** Every request id this case ran, companion included. */
    List<String> requestIds() {
        return List.copyOf(requestIds);
    }

    /** The spec of run {@code index} (1-based) of the hostile program. */
    SandboxSpec spec(int index) {
        byte[] stdin = new byte[hostileCase.stdinBytes()];
        for (int i = 0; i < stdin.length; i++) {
            stdin[i] = (byte) i;
        }
        List<SandboxFile> files = hostileCase.workspaceFile()
                .map(name -> List.of(new SandboxFile(name, "execq hostile corpus workspace file\n".getBytes(StandardCharsets.UTF_8), false)))
                .orElse(List.of());
        Map<String, String> env = env();
        env.put("RUN_INDEX", Integer.toString(index));
        return spec("run" + index, hostileCase.program(), hostileCase.limits())
                .withStdin(stdin).withFiles(files, Optional.empty()).withEnv(env);
    }

    /** The spec of the companion, if the case has one. */
    Optional<SandboxSpec> companionSpec() {
        SandboxLimits limits = new SandboxLimits(COMPANION_TIMEOUT, hostileCase.limits().memoryBytes(), 1000,
                hostileCase.limits().pids(), hostileCase.limits().maxOutputBytes());
        Map<String, String> env = env();
        env.put("SECRET", secret); // the companion's alone: the hostile program must not learn it
        return hostileCase.companion().map(text -> spec("companion", text, limits).withEnv(env));
    }

    /** A trivial run after the case, to show the sandbox still runs programs. */
    SandboxSpec echoSpec() {
        return spec("after", HostileCase.Language.SH.image(), List.of("echo", "still-alive"),
                new SandboxLimits(Duration.ofSeconds(20), 64L << 20, 1000, 16, 4096));
    }

    private SandboxSpec spec(String role, String text, SandboxLimits limits) {
        return spec(role, hostileCase.language().image(), hostileCase.language().argv(text), limits);
    }

    private SandboxSpec spec(String role, String image, List<String> argv, SandboxLimits limits) {
        String requestId = "hostile-" + hostileCase.id() + "-" + role + "-" + UUID.randomUUID().toString().substring(0, 8);
        requestIds.add(requestId);
        return SandboxSpec.of(requestId, executorId, image, argv, limits);
    }

    private Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>(bait.env());
        env.put("MARKER", marker);
        env.put("PORT", Integer.toString(port));
        return env;
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
