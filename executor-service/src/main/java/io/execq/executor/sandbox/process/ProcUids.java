package io.execq.executor.sandbox.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Which processes on this host belong to which uid, read from {@code /proc/<pid>/status}. A process counts for
 * every uid on its {@code Uid:} line (real, effective, saved, filesystem): {@code kill(-1)} by a uid reaches any
 * process whose real or saved uid is that uid, and RLIMIT_NPROC counts by real uid.
 */
final class ProcUids {

    private static final Path PROC = Path.of("/proc");

    private ProcUids() {
    }

    /** Pids of the processes that have a uid matching {@code uid}; zombies included (they still count). */
    static List<Long> pidsOf(IntPredicate uid) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, entry -> isPid(entry.getFileName().toString()))) {
            for (Path entry : entries) {
                if (anyUidMatches(entry.resolve("status"), uid)) {
                    pids.add(Long.parseLong(entry.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + PROC, e);
        }
        return pids;
    }

    /** Whether any process of {@code uid} exists; {@code true} when /proc cannot be read (fail closed). */
    static boolean hasProcesses(int uid) {
        try {
            return !pidsOf(u -> u == uid).isEmpty();
        } catch (UncheckedIOException e) {
            return true;
        }
    }

    private static boolean anyUidMatches(Path status, IntPredicate uid) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(status);
        } catch (NoSuchFileException e) {
            return false; // exited meanwhile
        } catch (IOException e) {
            if (!Files.exists(status)) {
                return false; // exited while we read it (ESRCH)
            }
            throw e;
        }
        for (String line : lines) {
            if (line.startsWith("Uid:")) {
                String[] fields = line.substring(4).trim().split("\\s+");
                for (String field : fields) {
                    if (uid.test(Integer.parseUnsignedInt(field))) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
