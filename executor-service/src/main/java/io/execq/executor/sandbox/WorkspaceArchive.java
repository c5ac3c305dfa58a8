package io.execq.executor.sandbox;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A request's workspace archive (tar, or tar.gz detected by its magic bytes), validated once and then streamed
 * again by the sandbox that places it. Nothing of the archive is trusted as it comes: a sandbox never extracts the
 * archive itself, it asks for the {@linkplain #forEachFile files} of this index (plain, workspace-relative paths and
 * contents) and writes them with its own safe primitives.
 *
 * <p>The rules, each refusal an {@link IllegalArgumentException} naming the entry:
 * <ul>
 *   <li>Entries are regular files and directories only. Symbolic links, hard links, devices, FIFOs and sparse or
 *       unknown entries are refused. <i>Why no links at all:</i> a link whose target "resolves inside the workspace"
 *       is only safe if every later entry is checked against every earlier link (an entry {@code a/x} written
 *       through a symlink {@code a -> /etc} is the classic escape), and a hard link is placed by the kernel, not by
 *       us. Refusing them keeps extraction a sequence of plain creates; a program that needs links makes them
 *       itself when it runs, inside its sandbox.</li>
 *   <li>Paths are relative and stay inside: no leading {@code /}, no {@code ..} component, no NUL or backslash;
 *       {@code ./} prefixes are dropped. A path given twice, or a file where another entry needs a directory, is
 *       refused.</li>
 *   <li>At most {@link ArchiveLimits#maxEntries()} entries and {@link ArchiveLimits#maxBytes()} bytes of file
 *       content, checked from each header before its data is read. The decompressed stream is counted while it
 *       is read: an entry's data may be exactly its declared size and its header records (PAX, GNU long names) at
 *       most {@link #HEADER_ALLOWANCE} bytes, so a gzip bomb is refused at the header that passes the cap, after at
 *       most the cap was inflated (streamed, never held in memory), and no header the tar reader buffers is large.</li>
 *   <li>Of the mode only the owner's execute bit is kept: files become {@code 0755} or {@code 0644}, directories
 *       {@code 0755}, all owned by the run user. Owners, times and other bits are ignored.</li>
 * </ul>
 */
public final class WorkspaceArchive {

    /** A tmpfs stores file content in whole pages: the footprint of a file is its size rounded up to this. */
    public static final long PAGE = 4096;
    private static final int BLOCK = 512;
    /** Bytes one entry's header records may take: a header block, PAX and GNU long-name records of real paths. */
    static final int HEADER_ALLOWANCE = 64 * 1024;

    private final byte[] bytes;
    private final boolean gzip;
    private final List<Entry> entries;
    private final long contentBytes;

    private WorkspaceArchive(byte[] bytes, boolean gzip, List<Entry> entries) {
        this.bytes = bytes;
        this.gzip = gzip;
        this.entries = List.copyOf(entries);
        this.contentBytes = entries.stream().mapToLong(Entry::size).sum();
    }

    /**
     * One entry of a valid archive.
     *
     * @param path normalised workspace-relative path, never empty
     * @param directory a directory (else a regular file)
     * @param size content bytes of a file, 0 for a directory
     * @param executable whether the file keeps the execute bit
     */
    public record Entry(String path, boolean directory, long size, boolean executable) {
    }

    /** Reads what a sandbox writes for one file of the archive. */
    @FunctionalInterface
    public interface FileSink {
        /** Called once per regular file, in archive order; {@code content} yields exactly {@code entry.size()} bytes. */
        void file(Entry entry, InputStream content) throws IOException;
    }

    /**
     * Validates {@code archive} against the rules in the class comment and {@code limits}.
     *
     * @throws IllegalArgumentException naming the first entry (or the stream) that breaks a rule
     */
    public static WorkspaceArchive of(byte[] archive, ArchiveLimits limits) {
        Objects.requireNonNull(archive, "archive");
        Objects.requireNonNull(limits, "limits");
        if (archive.length == 0) {
            throw new IllegalArgumentException("archive is empty");
        }
        byte[] copy = archive.clone();
        boolean gzip = copy.length >= 2 && (copy[0] & 0xff) == 0x1f && (copy[1] & 0xff) == 0x8b;
        List<Entry> entries = new ArrayList<>();
        Map<String, Boolean> isDirectory = new HashMap<>();
        long content = 0;
        try (CappedStream stream = new CappedStream(decompressed(copy, gzip));
             TarArchiveInputStream tar = new TarArchiveInputStream(stream)) {
            TarArchiveEntry raw;
            while (true) {
                // What one entry's headers (with PAX and GNU long-name records) may take, plus the last one's padding.
                stream.allow(HEADER_ALLOWANCE + BLOCK);
                raw = tar.getNextEntry();
                if (raw == null) {
                    break;
                }
                String path = checkedPath(raw);
                boolean directory = raw.isDirectory();
                long size = directory ? 0 : raw.getSize();
                if (path.isEmpty()) {
                    continue; // "./": the workspace itself
                }
                if (entries.size() >= limits.maxEntries()) {
                    throw new IllegalArgumentException("archive has more than " + limits.maxEntries()
                            + " entries (--max-archive-entries)");
                }
                if (size > limits.maxBytes() - content) {
                    throw new IllegalArgumentException("archive expands to more than " + limits.maxBytes()
                            + " bytes (--max-archive-bytes): entry '" + path + "' alone is " + size + " bytes");
                }
                content += size;
                if (isDirectory.put(path, directory) != null) {
                    throw new IllegalArgumentException("archive entry '" + path + "' appears more than once");
                }
                entries.add(new Entry(path, directory, size, !directory && (raw.getMode() & 0100) != 0));
                // Read (inflate) the content now, counted, so that the next allowance starts after it.
                stream.allow(size);
                long read = tar.transferTo(OutputStream.nullOutputStream());
                if (read != size) {
                    throw new IOException("entry '" + path + "' ends after " + read + " of " + size + " bytes");
                }
            }
        } catch (StreamCapException e) {
            throw new IllegalArgumentException("archive has an entry header (with its PAX or GNU long-name records) "
                    + "over " + HEADER_ALLOWANCE + " bytes after " + entries.size() + " entries", e);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("archive is not a valid " + (gzip ? "tar.gz" : "tar") + ": "
                    + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("archive has no entries (an empty tar, or not a tar at all)");
        }
        for (Entry entry : entries) {
            for (String parent = parentOf(entry.path()); !parent.isEmpty(); parent = parentOf(parent)) {
                if (Boolean.FALSE.equals(isDirectory.get(parent))) {
                    throw new IllegalArgumentException("archive entry '" + entry.path() + "' lies under '" + parent
                            + "', which the archive makes a file");
                }
            }
        }
        return new WorkspaceArchive(copy, gzip, entries);
    }

    /** The entries, in archive order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Every directory the archive needs, its entries' parents included, outermost first. */
    public List<String> directories() {
        TreeSet<String> dirs = new TreeSet<>();
        for (Entry entry : entries) {
            String start = entry.directory() ? entry.path() : parentOf(entry.path());
            for (String dir = start; !dir.isEmpty(); dir = parentOf(dir)) {
                dirs.add(dir);
            }
        }
        return List.copyOf(dirs);
    }

    /** Whether {@code path} is a regular file of the archive. */
    public boolean hasFile(String path) {
        return entries.stream().anyMatch(e -> !e.directory() && e.path().equals(path));
    }

    /** Whether {@code path} is a directory the archive creates (explicitly or as a parent). */
    public boolean hasDirectory(String path) {
        return directories().contains(path);
    }

    /** Total bytes of file content. */
    public long contentBytes() {
        return contentBytes;
    }

    /** Bytes of tmpfs the archive's files take: each file's content rounded up to whole pages. */
    public long footprintBytes() {
        return entries.stream().mapToLong(e -> (e.size() + PAGE - 1) / PAGE * PAGE).sum();
    }

    /** The archive's size as sent. */
    public int archiveBytes() {
        return bytes.length;
    }

    /**
     * Streams the archive again and hands each regular file to {@code sink}, in archive order, skipping those
     * {@code skip} names (the request's own files override them). The stream is re-checked against the index, so
     * a sink never sees an entry that was not validated.
     */
    public void forEachFile(java.util.function.Predicate<String> skip, FileSink sink) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompressed(bytes, gzip))) {
            int index = 0;
            TarArchiveEntry raw;
            while ((raw = tar.getNextEntry()) != null) {
                String path = checkedPath(raw);
                if (path.isEmpty()) {
                    continue;
                }
                Entry entry = entries.get(index++);
                if (!entry.path().equals(path)) {
                    throw new IOException("archive changed between validation and extraction at '" + path + "'");
                }
                if (!entry.directory() && !skip.test(path)) {
                    sink.file(entry, new BoundedEntry(tar, entry.size()));
                }
            }
        }
    }

    private static InputStream decompressed(byte[] bytes, boolean gzip) throws IOException {
        InputStream in = new ByteArrayInputStream(bytes);
        return new BufferedInputStream(gzip ? new GZIPInputStream(in, 8192) : in);
    }

    /** The entry's normalised path, or a refusal of its type or name. */
    private static String checkedPath(TarArchiveEntry raw) {
        String name = raw.getName();
        String shown = name.replace('\0', '?');
        if (raw.isSymbolicLink()) {
            throw new IllegalArgumentException("archive entry '" + shown + "' is a symbolic link (to '"
                    + raw.getLinkName() + "'): links are not accepted");
        }
        if (raw.isLink()) {
            throw new IllegalArgumentException("archive entry '" + shown + "' is a hard link (to '"
                    + raw.getLinkName() + "'): links are not accepted");
        }
        if (raw.isCharacterDevice() || raw.isBlockDevice()) {
            throw new IllegalArgumentException("archive entry '" + shown + "' is a device: only regular files and "
                    + "directories are accepted");
        }
        if (raw.isFIFO()) {
            throw new IllegalArgumentException("archive entry '" + shown + "' is a FIFO: only regular files and "
                    + "directories are accepted");
        }
        byte flag = raw.getLinkFlag();
        boolean regular = flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM
                || flag == TarConstants.LF_CONTIG;
        if (!raw.isDirectory() && (!regular || raw.isSparse())) {
            throw new IllegalArgumentException("archive entry '" + shown + "' has type '" + (char) flag
                    + "': only regular files and directories are accepted");
        }
        if (name.startsWith("/")) {
            throw new IllegalArgumentException("archive entry '" + shown + "' is an absolute path");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("archive entry '" + shown + "' contains NUL or backslash");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("archive entry '" + shown + "' escapes the workspace with '..'");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** Thrown by {@link CappedStream} when the decompressed stream passes its cap. */
    private static final class StreamCapException extends IOException {
        StreamCapException() {
            super("decompressed stream cap reached");
        }
    }

    /**
     * Counts what the decompressor produced and stops it at a moving limit, before more is inflated: validation
     * allows each entry's header records {@link #HEADER_ALLOWANCE} bytes and its content exactly its declared size,
     * so the whole stream never inflates past the content cap plus that allowance per entry, and no header record
     * (which the tar reader holds in memory) can be large.
     */
    private static final class CappedStream extends FilterInputStream {
        private long read;
        private long limit;

        CappedStream(InputStream in) {
            super(in);
        }

        void allow(long more) {
            limit = read + more;
        }

        @Override
        public int read() throws IOException {
            if (read >= limit) {
                throw new StreamCapException();
            }
            int b = super.read();
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (read >= limit) {
                throw new StreamCapException();
            }
            int n = super.read(b, off, (int) Math.min(len, limit - read));
            if (n > 0) {
                read += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipped bytes are inflated too: route them through read so that they are counted and capped.
            byte[] buffer = new byte[(int) Math.min(8192, Math.max(1, n))];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }
    }

    /** One entry's content: exactly its size, never more, and closing it does not close the archive. */
    private static final class BoundedEntry extends InputStream {
        private final InputStream in;
        private long left;

        BoundedEntry(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // The archive stream belongs to forEachFile.
        }
    }
}
