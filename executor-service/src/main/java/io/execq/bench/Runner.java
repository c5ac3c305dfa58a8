package io.execq.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a plan over a list of series: warm-up, then for each concurrency level the interleaved batches of
 * {@link Schedule}, each batch closed loop with as many workers as the level (a worker starts its next sample as
 * soon as its last one finished).
 */
final class Runner {

    private final BenchPlan plan;
    private final ProgressBar progress;

    Runner(BenchPlan plan, ProgressBar progress) {
        this.plan = plan;
        this.progress = progress;
    }

    /** The total number of samples {@link #run} takes for {@code seriesCount} series (for the progress bar). */
    static long totalSamples(BenchPlan plan, int seriesCount) {
        return (long) seriesCount * (plan.warmup() + (long) plan.requests() * plan.concurrency().size());
    }

    /** Results in level order, then in the order of {@code series}. */
    List<SeriesResult> run(List<Series> series) throws Exception {
        for (Series s : series) {
            if (plan.warmup() > 0) {
                runBatch(s, plan.warmup(), 1, new Recorder());
            }
        }
        List<SeriesResult> results = new ArrayList<>();
        for (int level : plan.concurrency()) {
            List<Recorder> recorders = new ArrayList<>();
            series.forEach(s -> recorders.add(new Recorder()));
            for (Schedule.Batch batch : Schedule.batches(series.size(), plan.requests(), plan.rounds())) {
                runBatch(series.get(batch.series()), batch.samples(), level, recorders.get(batch.series()));
            }
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                results.add(new SeriesResult(s.name(), s.description(), level, recorders.get(i).stats()));
            }
        }
        progress.finish();
        return results;
    }

    private void runBatch(Series series, int samples, int workers, Recorder recorder) throws Exception {
        series.beforeBatch();
        AtomicInteger remaining = new AtomicInteger(samples);
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "execq-bench-" + series.name());
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < Math.min(workers, samples); w++) {
                running.add(pool.submit(() -> work(series, remaining, recorder)));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        recorder.addWall(Duration.ofNanos(System.nanoTime() - start));
        series.afterBatch();
    }

    private void work(Series series, AtomicInteger remaining, Recorder recorder) {
        while (remaining.getAndDecrement() > 0) {
            long start = System.nanoTime();
            Throwable failure = null;
            try {
                series.sample();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            } catch (Exception e) {
                failure = e;
            }
            recorder.record(Duration.ofNanos(System.nanoTime() - start), failure);
            progress.step(series.name());
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
