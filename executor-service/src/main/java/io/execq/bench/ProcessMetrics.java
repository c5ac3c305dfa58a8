package io.execq.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This JVM's footprint while the benchmark runs: the highest heap use seen (sampled every 50 ms), resident memory
 * from {@code /proc/self/status} ({@code VmHWM} peak, {@code VmRSS} now) and garbage-collection time and count.
 * With the default embedded setup this JVM holds the broker, the executor and the clients together.
 */
final class ProcessMetrics implements AutoCloseable {

    /** The footprint over one run. RSS fields are -1 where {@code /proc} is not available. */
    record Snapshot(long peakHeapBytes, long peakRssBytes, long rssBytes, long gcMillis, long gcCount) {
    }

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "execq-bench-heap-sampler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong peakHeap = new AtomicLong();
    private final long gcMillisAtStart = gcMillis();
    private final long gcCountAtStart = gcCount();

    ProcessMetrics() {
        sampler.scheduleAtFixedRate(this::sampleHeap, 0, 50, TimeUnit.MILLISECONDS);
    }

    Snapshot snapshot() {
        sampleHeap();
        List<String> status = procStatus();
        return new Snapshot(peakHeap.get(), kilobytes(status, "VmHWM:"), kilobytes(status, "VmRSS:"),
                gcMillis() - gcMillisAtStart, gcCount() - gcCountAtStart);
    }

    private void sampleHeap() {
        peakHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).filter(c -> c > 0).sum();
    }

    private static List<String> procStatus() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The value of a {@code /proc/self/status} line such as {@code VmRSS:   123456 kB}, in bytes; -1 if absent. */
    static long kilobytes(List<String> status, String field) {
        for (String line : status) {
            if (line.startsWith(field)) {
                String[] parts = line.substring(field.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
