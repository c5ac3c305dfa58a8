package io.execq.executor.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Profiling harness, run by hand (not a test): times every Docker API call of {@link DockerSandbox#run} and compares
 * whole runs against a raw docker-java create, start, wait, remove cycle with the sandbox's own host config.
 *
 * <pre>
 * java -cp executor-service/target/classes:executor-service/target/test-classes:$(cat cp.txt) \
 *     io.execq.executor.sandbox.docker.DockerRunProfile [runs] [concurrency,...] [warm-pool size]
 * </pre>
 *
 * Prints, per concurrency and mode, p50 and p90 of a whole run and the ratio of the p50 to the raw cycle's of the
 * same concurrency, then for the sandbox modes the p50 of each API call (method and path, ids folded) with its
 * count per run; calls made after the outcome or by the pool's refill are marked, they are off the critical path.
 */
public final class DockerRunProfile {

    private static final String IMAGE = "execq/busybox:latest";
    private static final String EXECUTOR = "profile-" + Instant.now().toEpochMilli();
    private static final SandboxLimits LIMITS = new SandboxLimits(Duration.ofSeconds(30), 256L << 20, 1000, 128, 1 << 20);

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String concurrencies = args.length > 1 ? args[1] : "1";
        int poolSize = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Timings timings = new Timings();
        DockerConnection connection = timedConnection("unix:///var/run/docker.sock", timings);
        DockerClient client = connection.client();
        ImageResolver images = new ImageResolver(connection, ImagePullPolicy.NEVER, Duration.ofSeconds(30));
        DockerSandbox sandbox = new DockerSandbox(connection, images, Clock.systemUTC(), java.util.Optional.empty(),
                RunDeadline.probe(RunDeadline.DEFAULT_HELPER), java.util.Optional.empty());
        loop(3, 1, () -> rawCycle(client)); // warm-up
        loop(3, 1, () -> sandboxRun(sandbox));
        for (String value : concurrencies.split(",")) {
            int concurrency = Integer.parseInt(value);
            System.out.printf("runs=%d concurrency=%d warm-pool=%d%n", runs, concurrency, poolSize);
            List<Long> raw = loop(runs, concurrency, () -> rawCycle(client));
            report("raw docker-java cycle", raw, raw);
            timings.reset();
            List<Long> plain = loop(runs, concurrency, () -> sandboxRun(sandbox));
            report("DockerSandbox.run", plain, raw);
            timings.print(runs);
            if (poolSize > 0) {
                profilePool(connection, images, timings, runs, concurrency, poolSize, raw);
            }
        }
        sandbox.close();
    }

    /**
     * With a warm pool: first runs that each find a ready container (the pool is refilled between batches of
     * {@code concurrency} runs, untimed), then back-to-back runs, where the refill competes with the runs.
     */
    private static void profilePool(DockerConnection connection, ImageResolver images, Timings timings, int runs,
                                    int concurrency, int poolSize, List<Long> raw) throws Exception {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);
        WarmPool pool = new WarmPool(connection, images, Clock.systemUTC(), EXECUTOR,
                List.of(new WarmPool.Profile(IMAGE, LIMITS)), poolSize, Duration.ofMinutes(2), deadline,
                java.util.Optional.empty());
        DockerSandbox pooled = new DockerSandbox(connection, images, Clock.systemUTC(), java.util.Optional.of(pool),
                deadline, java.util.Optional.empty());
        pool.start();
        awaitFull(pool);
        timings.reset();
        List<Long> hits = new ArrayList<>();
        for (int batch = 0; batch < runs / concurrency; batch++) {
            awaitFull(pool);
            hits.addAll(loop(concurrency, concurrency, () -> sandboxRun(pooled)));
        }
        report("DockerSandbox.run, warm hit", hits, raw);
        timings.print(hits.size());
        awaitFull(pool);
        long hitsBefore = pool.hits();
        long missesBefore = pool.misses();
        List<Long> backToBack = loop(runs, concurrency, () -> sandboxRun(pooled));
        report("DockerSandbox.run, pool b2b", backToBack, raw);
        System.out.printf("    back-to-back: %d hits, %d misses%n", pool.hits() - hitsBefore, pool.misses() - missesBefore);
        pool.close(); // not pooled.close(): that would close the connection the next round still uses
        pooled.awaitRemovals(Duration.ofSeconds(30));
    }

    private static void awaitFull(WarmPool pool) throws InterruptedException {
        while (!pool.full()) {
            Thread.sleep(10);
        }
    }

    /** The sandbox's host config for a run without files (tmpfs workspace), nothing else. */
    private static long rawCycle(DockerClient client) {
        long start = System.nanoTime();
        String id = client.createContainerCmd(IMAGE)
                .withHostConfig(HardenedHostConfig.defaults().hostConfig(LIMITS, java.util.Optional.empty()))
                .withUser(HardenedHostConfig.RUN_USER)
                .withLabels(Map.of(HardenedHostConfig.LABEL_MANAGED, "true", HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR))
                .withEntrypoint("echo", "hi").withCmd(List.of())
                .exec().getId();
        client.startContainerCmd(id).exec();
        client.waitContainerCmd(id).start().awaitStatusCode();
        client.removeContainerCmd(id).withForce(true).exec();
        return System.nanoTime() - start;
    }

    private static long sandboxRun(DockerSandbox sandbox) {
        long start = System.nanoTime();
        try {
            SandboxOutcome outcome = sandbox.run(SandboxSpec.of("profile-" + System.nanoTime(), EXECUTOR, IMAGE,
                    List.of("echo", "hi"), LIMITS));
            if (!"hi\n".equals(outcome.stdout().text())) {
                throw new IllegalStateException("unexpected outcome " + outcome);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - start;
    }

    static List<Long> loop(int runs, int concurrency, Supplier<Long> run) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                futures.add(threads.submit(run::get));
            }
            List<Long> nanos = new ArrayList<>();
            for (Future<Long> future : futures) {
                nanos.add(future.get());
            }
            return nanos;
        } finally {
            threads.shutdown();
        }
    }

    static void report(String name, List<Long> nanos, List<Long> raw) {
        System.out.printf("%-28s p50 %7.1f ms  p90 %7.1f ms  p50 ratio to raw %.2f%n", name,
                percentile(nanos, 50) / 1e6, percentile(nanos, 90) / 1e6, percentile(nanos, 50) / percentile(raw, 50));
    }

    static double percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** A connection whose HTTP calls are timed from request to the response's close (body read). */
    static DockerConnection timedConnection(String host, Timings timings) throws Exception {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host)
                .withDockerTlsVerify(false).build();
        DockerHttpClient http = new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .maxConnections(64).connectionTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(30)).build();
        DockerHttpClient timed = new DockerHttpClient() {
            @Override
            public Response execute(Request request) {
                long start = System.nanoTime();
                java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
                Response response = http.execute(request);
                String step = request.method() + " " + request.path().replaceAll("\\?.*", "")
                        .replaceAll("/v1\\.[0-9]+", "").replaceAll("/[0-9a-f]{64}", "/{id}")
                        .replaceAll("/execq-[0-9a-f-]{36}", "/{name}").replaceAll("/images/[^/]+/json", "/images/{ref}/json");
                return new Response() {
                    @Override
                    public int getStatusCode() {
                        return response.getStatusCode();
                    }

                    @Override
                    public Map<String, List<String>> getHeaders() {
                        return response.getHeaders();
                    }

                    @Override
                    public InputStream getBody() {
                        return response.getBody();
                    }

                    @Override
                    public void close() {
                        response.close();
                        if (closed.getAndSet(true)) {
                            return; // docker-java closes some responses twice
                        }
                        String thread = Thread.currentThread().getName();
                        String where = thread.startsWith("execq-warm-pool") ? "[refill] "
                                : thread.startsWith("execq-docker-io") ? "[after outcome] " : "";
                        timings.add(where + step, System.nanoTime() - start);
                        if (System.getenv("PROFILE_TRACE") != null) {
                            System.out.printf("  %s %s %.1f ms%n", request.method(), request.path(), (System.nanoTime() - start) / 1e6);
                        }
                    }
                };
            }

            @Override
            public void close() throws java.io.IOException {
                http.close();
            }
        };
        Constructor<DockerConnection> constructor = DockerConnection.class.getDeclaredConstructor(DockerClient.class,
                DockerClientConfig.class);
        constructor.setAccessible(true);
        return constructor.newInstance(DockerClientImpl.getInstance(config, timed), config);
    }

    static final class Timings {
        private final Map<String, ConcurrentLinkedQueue<Long>> steps = new ConcurrentHashMap<>();

        void add(String step, long nanos) {
            steps.computeIfAbsent(step, s -> new ConcurrentLinkedQueue<>()).add(nanos);
        }

        void reset() {
            steps.clear();
        }

        void print(int runs) {
            for (Map.Entry<String, ConcurrentLinkedQueue<Long>> step : new TreeMap<>(steps).entrySet()) {
                List<Long> values = new ArrayList<>(step.getValue());
                System.out.printf("    %-44s x%.1f/run  p50 %6.1f ms  p90 %6.1f ms%n", step.getKey(),
                        values.size() / (double) runs, percentile(values, 50) / 1e6, percentile(values, 90) / 1e6);
            }
        }
    }

    private DockerRunProfile() {
    }
}
