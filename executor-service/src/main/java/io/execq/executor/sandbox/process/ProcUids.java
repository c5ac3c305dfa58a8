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
    private static final byte[] UID_LINE = "\nUid:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(status);
        } catch (NoSuchFileException e) {
            return false; // exited meanwhile
        } catch (IOException e) {
            if (!Files.exists(status)) {
                return false; // exited while we read it (ESRCH)
            }
            throw e;
        }
        // "Uid:\t<real>\t<effective>\t<saved>\t<filesystem>\n", parsed in place: this runs for every process
        // of the host, so no per-line strings.
        int i = indexOf(bytes, UID_LINE);
        if (i < 0) {
            return false;
        }
        i += UID_LINE.length;
        while (i < bytes.length && bytes[i] != '\n') {
            while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t')) {
                i++;
            }
            long value = 0;
            int digits = 0;
            while (i < bytes.length && bytes[i] >= '0' && bytes[i] <= '9') {
                value = value * 10 + (bytes[i++] - '0');
                digits++;
            }
            if (digits == 0) {
                break;
            }
            if (uid.test((int) value)) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
