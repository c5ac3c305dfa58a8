package io.execq.executor.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import io.execq.executor.sandbox.SandboxFile;
import io.execq.executor.sandbox.SandboxLimits;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole contract suite again, each run that can take a warm container taking one (asserted after every test),
 * and the pool's own behaviour: single use, metrics, replacing dead containers, draining on close, reaping.
 */
class DockerSandboxWarmPoolIT extends DockerSandboxContract {

    private static final Duration FILL = Duration.ofSeconds(90);
    private static final RunDeadline DEADLINE = RunDeadline.probe(RunDeadline.DEFAULT_HELPER);
    private static ImageResolver images;
    private static WarmPool pool;
    private static DockerSandbox sandbox;

    @BeforeAll
    static void startPool() {
        connection = DockerConnection.connect("unix:///var/run/docker.sock");
        images = new ImageResolver(connection, ImagePullPolicy.NEVER, Duration.ofSeconds(30));
        pool = pool(EXECUTOR_ID, List.of(new WarmPool.Profile(IMAGE, LIMITS),
                new WarmPool.Profile(IMAGE, FORK_BOMB_LIMITS), new WarmPool.Profile(IMAGE, MEMORY_BOMB_LIMITS)));
        sandbox = new DockerSandbox(connection, images, Clock.systemUTC(), Optional.of(pool), DEADLINE,
                Optional.empty());
        pool.start();
    }

    @AfterAll
    static void closeAndFindNothingLeft() {
        sandbox.close();
        try (DockerConnection check = DockerConnection.connect("unix:///var/run/docker.sock")) {
            assertThat(check.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)).exec()).isEmpty();
        }
    }

    private long missesBefore;
    private long expectedMisses;

    @BeforeEach
    void poolIsFull() {
        await().atMost(FILL).until(pool::full);
        missesBefore = pool.misses();
    }

    @AfterEach
    void everyRunThatFitsThePoolTookAWarmContainer() {
        assertThat(pool.misses() - missesBefore).isEqualTo(expectedMisses);
    }

    @Override
    DockerSandbox dockerSandbox() {
        return sandbox;
    }

    @Override
    Set<String> idleContainers() {
        return pool.idleIds();
    }

    @Override
    protected void assertNothingLeftBehind() throws InterruptedException {
        await().atMost(FILL).until(pool::full); // no refill in progress: every container of the pool is idle
        super.assertNothingLeftBehind();
    }

    @Test
    void handsEveryRunAContainerOfItsOwn() throws Exception {
        long hits = pool.hits();
        long misses = pool.misses();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        pool.bindTo(registry);

        String first = sandbox.run(spec("hostname")).stdout().text();
        String second = sandbox.run(spec("hostname")).stdout().text();

        assertThat(first).isNotEqualTo(second);
        assertThat(pool.hits()).isEqualTo(hits + 2);
        assertThat(registry.get("execq.warm.pool.hits").functionCounter().count()).isEqualTo(hits + 2);
        assertThat(registry.get("execq.warm.pool.misses").functionCounter().count()).isEqualTo(misses);
        assertThat(sandbox.awaitRemovals(Duration.ofSeconds(30))).isTrue();
        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)))
                .extracting(Container::getId).noneMatch(id -> id.startsWith(first.trim()) || id.startsWith(second.trim()));
    }

    @Test
    void runsWithFilesCreateTheirOwnContainer() throws Exception {
        long hits = pool.hits();
        Set<String> warm = pool.idleIds();

        SandboxOutcome outcome = sandbox.run(spec("cat", "a.txt")
                .withFiles(List.of(new SandboxFile("a.txt", "A".getBytes(StandardCharsets.UTF_8), false)), Optional.empty()));

        assertThat(outcome.stdout().text()).isEqualTo("A");
        assertThat(pool.hits()).isEqualTo(hits);
        assertThat(pool.idleIds()).containsAll(warm);
    }

    @Test
    void discardsAContainerThatDiedWhileIdleAndRunsElsewhere() throws Exception {
        Set<String> idle = pool.idleIds();
        idle.forEach(id -> connection.client().killContainerCmd(id).exec());
        await().atMost(Duration.ofSeconds(30)).until(() -> idle.stream().noneMatch(id ->
                Boolean.TRUE.equals(connection.client().inspectContainerCmd(id).exec().getState().getRunning())));

        for (var limits : List.of(LIMITS, FORK_BOMB_LIMITS, MEMORY_BOMB_LIMITS)) {
            SandboxOutcome outcome = sandbox.run(spec(limits, "echo", "fresh"));

            assertThat(outcome.stdout().text()).isEqualTo("fresh\n");
            assertThat(outcome.exitCode()).hasValue(0);
        }
        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, EXECUTOR_ID)))
                .extracting(Container::getId).doesNotContainAnyElementsOf(idle);
        // Every fitting container was dead: each run created its own, which counts as a miss.
        expectedMisses = 3;
    }

    @Test
    void aWarmContainerStopsAtItsRunsDeadlineWhenNoExecutorWatchesIt() throws Exception {
        RunDeadline deadline = RunDeadline.probe(RunDeadline.DEFAULT_HELPER, Duration.ofSeconds(1));
        String executor = "pool-deadline-" + UUID.randomUUID();
        WarmPool unwatched = new WarmPool(connection, images, Clock.systemUTC(), executor,
                List.of(new WarmPool.Profile(IMAGE, LIMITS)), 1, Duration.ofMinutes(2), deadline, Optional.empty());
        try {
            unwatched.start();
            await().atMost(FILL).until(unwatched::full);
            SandboxSpec spec = SandboxSpec.of("req-" + UUID.randomUUID(), executor, IMAGE,
                    List.of("sh", "-c", "trap '' TERM; sleep 300"),
                    new SandboxLimits(Duration.ofSeconds(1), LIMITS.memoryBytes(), LIMITS.milliCpus(), LIMITS.pids(),
                            LIMITS.maxOutputBytes()));
            WarmContainer container = unwatched.take(images.resolve(IMAGE).id(), spec).orElseThrow();
            long start = System.nanoTime();

            container.attach().feedStdin(Launcher.line(container.processEnvironment(), spec, container.deadline()),
                    java.util.concurrent.ForkJoinPool.commonPool()).get(10, java.util.concurrent.TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(20)).until(() -> !Boolean.TRUE.equals(
                    connection.client().inspectContainerCmd(container.id()).exec().getState().getRunning()));
            assertThat(connection.client().inspectContainerCmd(container.id()).exec().getState().getExitCodeLong())
                    .isEqualTo(137L);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(2),
                    Duration.ofSeconds(12));
            container.attach().close();
            RunContainers.remove(connection.client(), Optional.of(container.id()), Optional.empty(), "test");
        } finally {
            unwatched.close();
        }
        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executor))).isEmpty();
    }

    @Test
    void removesItsIdleContainersOnClose() {
        String executor = "pool-close-" + UUID.randomUUID();
        WarmPool other = startedFullPool(executor);
        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executor))).hasSize(2);

        other.close();

        assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executor))).isEmpty();
    }

    @Test
    void reaperRemovesThePoolOfAPreviousLife() {
        String executor = "pool-crashed-" + UUID.randomUUID();
        WarmPool crashed = startedFullPool(executor);
        try {
            OrphanReaper reaper = new OrphanReaper(connection.client(), Clock.systemUTC(),
                    new OrphanRule(executor, Optional.empty(), Duration.ofDays(36_500), Duration.ZERO), Optional.empty());

            assertThat(reaper.reapPreviousLife()).isEqualTo(2);
            assertThat(managedContainers(Map.of(HardenedHostConfig.LABEL_EXECUTOR_ID, executor))).isEmpty();
        } finally {
            crashed.close();
        }
    }

    /** A second pool of two containers, for another executor id. */
    private static WarmPool startedFullPool(String executorId) {
        WarmPool other = pool(executorId, List.of(new WarmPool.Profile(IMAGE, LIMITS)));
        other.start();
        await().atMost(FILL).until(other::full);
        return other;
    }

    private static WarmPool pool(String executorId, List<WarmPool.Profile> profiles) {
        return new WarmPool(connection, images, Clock.systemUTC(), executorId, profiles, 2, Duration.ofMinutes(2),
                DEADLINE, Optional.empty());
    }
}
