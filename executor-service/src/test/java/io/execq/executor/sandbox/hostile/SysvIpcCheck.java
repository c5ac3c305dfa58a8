package io.execq.executor.sandbox.hostile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * No System V shared memory segment, semaphore set or message queue created by a run exists in the host's IPC
 * namespace afterwards ({@code /proc/sysvipc/*}, owner or creator uid a run uid). Such objects outlive every
 * process and are readable by a later run with the same uid. Leaks are removed with {@code ipcrm}.
 */
final class SysvIpcCheck implements HostCheck {

    /** The {@code /proc/sysvipc} file, its id column and the {@code ipcrm} flag, per object kind. */
    private static final Map<String, String[]> KINDS = Map.of(
            "shm", new String[] {"shmid", "-m"},
            "sem", new String[] {"semid", "-s"},
            "msg", new String[] {"msqid", "-q"});

    private final CorpusBackend backend;
    private Set<String> before;

    SysvIpcCheck(CorpusBackend backend) {
        this.backend = backend;
    }

    @Override
    public String name() {
        return "sysv-ipc";
    }

    @Override
    public void before() throws IOException {
        before = new HashSet<>();
        for (String kind : KINDS.keySet()) {
            for (Map<String, String> row : rows(kind)) {
                before.add(kind + " " + row.get(KINDS.get(kind)[0]));
            }
        }
    }

    @Override
    public List<String> after() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (String kind : KINDS.keySet()) {
            String idColumn = KINDS.get(kind)[0];
            for (Map<String, String> row : rows(kind)) {
                String id = row.get(idColumn);
                boolean ofARun = backend.runUid().test(Integer.parseInt(row.get("uid")))
                        || backend.runUid().test(Integer.parseInt(row.get("cuid")));
                if (ofARun && !before.contains(kind + " " + id)) {
                    out.add("SysV " + kind + " " + id + " (key " + row.get("key") + ", uid " + row.get("uid")
                            + ") left in the host IPC namespace");
                    Process rm = new ProcessBuilder("ipcrm", KINDS.get(kind)[1], id).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    rm.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
        return out;
    }

    private static List<Map<String, String>> rows(String kind) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/sysvipc", kind));
        String[] header = lines.get(0).trim().split("\\s+");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] values = line.trim().split("\\s+");
            Map<String, String> row = new java.util.HashMap<>();
            for (int i = 0; i < header.length && i < values.length; i++) {
                row.put(header[i], values[i]);
            }
            rows.add(row);
        }
        return rows;
    }
}
