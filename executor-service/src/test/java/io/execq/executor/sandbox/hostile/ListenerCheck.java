package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * No run left a listening socket in the host's network namespace: nothing accepts on the case's loopback port
 * (the test connects to 127.0.0.1 only), and no listening TCP socket owned by a run uid appeared in
 * {@code /proc/net/tcp} or {@code tcp6}.
 */
final class ListenerCheck implements HostCheck {

    private static final String LISTEN = "0A";

    private final CaseRun run;
    private Set<String> before;

    ListenerCheck(CaseRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "listener";
    }

    @Override
    public void before() throws IOException {
        before = runListeners();
    }

    @Override
    public List<String> after() throws IOException {
        List<String> out = new ArrayList<>();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), run.port()), 500);
            out.add("something accepts connections on 127.0.0.1:" + run.port() + " after the run");
        } catch (IOException refused) {
            // The expected case: connection refused.
        }
        for (String socket : runListeners()) {
            if (!before.contains(socket)) {
                out.add("listening socket of a run uid in the host network namespace: " + socket);
            }
        }
        return out;
    }

    private Set<String> runListeners() throws IOException {
        Set<String> out = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+"); // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
                if (f[3].equals(LISTEN) && run.backend().runUid().test(Integer.parseInt(f[7]))) {
                    out.add(table + " " + f[1] + " uid " + f[7] + " inode " + f[9]);
                }
            }
        }
        return out;
    }
}
