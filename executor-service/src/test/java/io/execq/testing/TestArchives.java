package io.execq.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Tar and tar.gz archives for tests, hostile ones included: entries are written exactly as given (absolute paths,
 * {@code ..}, links, devices, FIFOs), which is what a hostile producer sends.
 */
public final class TestArchives {

    private interface Writer {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private final List<Writer> entries = new ArrayList<>();

    private TestArchives() {
    }

    public static TestArchives tar() {
        return new TestArchives();
    }

    public TestArchives dir(String name) {
        return add(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, 040755, null, new byte[0]);
    }

    public TestArchives file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public TestArchives file(String name, byte[] content, int mode) {
        return add(name, TarConstants.LF_NORMAL, 0100000 | mode, null, content);
    }

    public TestArchives symlink(String name, String target) {
        return add(name, TarConstants.LF_SYMLINK, 0120777, target, new byte[0]);
    }

    public TestArchives hardLink(String name, String target) {
        return add(name, TarConstants.LF_LINK, 0100644, target, new byte[0]);
    }

    public TestArchives fifo(String name) {
        return add(name, TarConstants.LF_FIFO, 010644, null, new byte[0]);
    }

    public TestArchives charDevice(String name) {
        return add(name, TarConstants.LF_CHR, 020666, null, new byte[0]);
    }

    private TestArchives add(String name, byte type, int mode, String link, byte[] content) {
        entries.add(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry(name, type, true); // preserve absolute and ".." names
            entry.setMode(mode);
            if (link != null) {
                entry.setLinkName(link);
            }
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        });
        return this;
    }

    /** The plain tar. */
    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(out);
        return out.toByteArray();
    }

    /** The tar, gzipped. */
    public byte[] gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            writeTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void writeTo(OutputStream out) {
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Writer entry : entries) {
                entry.write(tar);
            }
            tar.finish();
            tar.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A tar.gz of one file of {@code zeros} zero bytes: a decompression bomb. Everything after the file's header is
     * zeros (content, padding, end-of-archive blocks), so it is built as gzip members that a reader concatenates: the
     * header, then one compressed MiB of zeros repeated. Only the compressed bytes (about a thousandth) are ever held.
     */
    public static byte[] gzipBomb(String name, long zeros) {
        try {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(zeros);
            byte[] header = new byte[512];
            entry.writeEntryHeader(header);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(gzipped(header, 1));
            long tail = (zeros + 511) / 512 * 512 + 1024;
            byte[] mib = gzipped(new byte[1 << 20], 1);
            for (long left = tail; left > 0; left -= 1 << 20) {
                out.write(left >= 1 << 20 ? mib : gzipped(new byte[(int) left], 1));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzipped(byte[] data, int times) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (int i = 0; i < times; i++) {
                gz.write(data);
            }
        }
        return out.toByteArray();
    }

    /**
     * A tar.gz of {@code count} files of {@code each} zero bytes: every header alone is within the limits, together
     * they pass the expanded-size cap.
     */
    public static byte[] gzipOfZeroFiles(int count, long each) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            byte[] chunk = new byte[1 << 16];
            for (int i = 0; i < count; i++) {
                TarArchiveEntry entry = new TarArchiveEntry("zeros/" + i);
                entry.setSize(each);
                tar.putArchiveEntry(entry);
                for (long left = each; left > 0; left -= chunk.length) {
                    tar.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
