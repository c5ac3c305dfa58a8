package io.execq.executor.sandbox.process;

import io.execq.executor.sandbox.Sandbox;
import io.execq.executor.sandbox.hostile.CorpusBackend;
import io.execq.executor.sandbox.hostile.HostProcess;
import io.execq.executor.sandbox.hostile.HostileCorpusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The hostile corpus through the real {@link ProcessSandbox} on this host (root, util-linux present). Runs get uids
 * from a range of the corpus's own, so every process, IPC object and key of such a uid is one of its runs, even
 * while other suites use the default range; the workspace base is made like the executor's ({@code SandboxStack}).
 */
class HostileCorpusProcessIT extends HostileCorpusTest {

    private static final int FIRST_UID = 2_000_100_000;
    private static final int LAST_UID = 2_000_100_099;

    private static Path base;
    private static RunUsers users;
    private static ProcessSandbox sandbox;

    @BeforeAll
    static void create() throws IOException {
        base = Files.createTempDirectory("execq-hostile-workspaces",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        users = RunUsers.forHost(FIRST_UID, LAST_UID, RunUsers.DEFAULT_LOCK_DIR);
        sandbox = new ProcessSandbox(HostCapabilities.probe(), base, Clock.systemUTC(), users);
    }

    @AfterAll
    static void close() throws IOException {
        sandbox.close();
        Files.deleteIfExists(base);
    }

    @Override
    protected CorpusBackend backend() {
        return new ProcessBackend();
    }

    private static void delete(Path tree) throws IOException {
        try (Stream<Path> walk = Files.walk(tree)) { // never follows links
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static final class ProcessBackend implements CorpusBackend {

        @Override
        public String name() {
            return "process";
        }

        @Override
        public Sandbox sandbox() {
            return sandbox;
        }

        @Override
        public IntPredicate runUid() {
            return uid -> uid >= FIRST_UID && uid <= LAST_UID;
        }

        @Override
        public boolean belongsToARun(HostProcess process, Set<HostProcess.Key> before) {
            return runUid().test(process.uid());
        }

        @Override
        public void settle() {
            // run() returns only after the run's processes are killed and its workspace deleted.
        }

        @Override
        public List<String> leftovers(List<String> requestIds) throws IOException {
            List<String> out = new ArrayList<>();
            if (users.heldCount() != 0) {
                out.add(users.heldCount() + " run uids still held after the runs returned");
            }
            try (Stream<Path> left = Files.list(base)) {
                for (Path workspace : left.toList()) {
                    out.add("workspace " + workspace + " left");
                    delete(workspace); // so the next case starts from an empty base
                }
            }
            return out;
        }
    }
}
