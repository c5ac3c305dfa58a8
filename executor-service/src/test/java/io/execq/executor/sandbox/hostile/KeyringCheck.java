package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * No run uid owns more kernel keys afterwards than before ({@code /proc/key-users}, which lists every uid's key
 * count to root). Keyrings are not namespaced: a key a run adds to its user keyring stays in the kernel after the
 * run (until reboot, since the user keyring is kept for the life of the user namespace) and a later run with the
 * same uid can read it; under Docker every run has uid 65534. Leaked keys are cleared (the user keyrings the
 * kernel created on the way stay: root cannot remove another uid's user keyring).
 */
final class KeyringCheck implements HostCheck {

    private static final String CLEAR_USER_KEYRINGS =
            "import ctypes; c = ctypes.CDLL(None); c.syscall(250, 7, -4); c.syscall(250, 7, -5)"; // KEYCTL_CLEAR @u, @us

    private final CorpusBackend backend;
    private Map<Integer, Integer> before;

    KeyringCheck(CorpusBackend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return "keyrings";
    }

    @Override
    public void before() throws IOException {
        before = keysPerRunUid();
    }

    @Override
    public List<String> after() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, Integer> now : keysPerRunUid().entrySet()) {
            int was = before.getOrDefault(now.getKey(), 0);
            if (now.getValue() > was) {
                out.add("uid " + now.getKey() + " owns " + now.getValue() + " kernel keys, " + was + " before the case");
                clear(now.getKey());
            }
        }
        return out;
    }

    private Map<Integer, Integer> keysPerRunUid() throws IOException {
        Map<Integer, Integer> keys = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/key-users"))) {
            String[] f = line.trim().split("[:\\s/]+"); // uid: usage nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes
            int uid = Integer.parseInt(f[0]);
            if (backend.runUid().test(uid)) {
                keys.put(uid, Integer.parseInt(f[2]));
            }
        }
        return keys;
    }

    private static void clear(int uid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("setpriv", "--reuid", Integer.toString(uid), "--regid", Integer.toString(uid),
                "--clear-groups", "--", "/usr/bin/python3", "-c", CLEAR_USER_KEYRINGS)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(10, TimeUnit.SECONDS);
    }
}
