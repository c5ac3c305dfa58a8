package io.execq.executor.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.execq.executor.sandbox.SandboxException;
import io.execq.executor.sandbox.SandboxOutcome;
import io.execq.executor.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hostile-program corpus ({@code src/test/resources/hostile/*.case}, {@code docs/hostile-corpus.md}) against one
 * real sandbox: every case is run through {@code Sandbox.run} exactly as the executor runs a request, its outcome is
 * held to the case's expectations, and then the host is inspected ({@link HostChecks}): no process, container,
 * volume, workspace, file, SysV IPC object, kernel key or listener of the run is left, and the host bait, watched host
 * files, victim process, host name and clock are unchanged. Each backend's *IT provides a {@link CorpusBackend}.
 *
 * <p>Each case's verdict is also written to {@code target/hostile-corpus/<backend>.tsv} (the containment table).
 */
public abstract class HostileCorpusTest {

    /** The executor id on every spec of the corpus (Docker puts it on its labels). */
    protected static final String EXECUTOR_ID = "hostile-" + UUID.randomUUID();
    /** How long the companion runs before the hostile program starts. */
    private static final Duration COMPANION_HEAD_START = Duration.ofSeconds(2);
    private static final Pattern COMPANION_WROTE = Pattern.compile("wrote (\\d+)");
    private static final Map<String, Map<String, String>> VERDICTS = new ConcurrentSkipListMap<>();
    private static final Logger LOG = LoggerFactory.getLogger(HostileCorpusTest.class);

    private static HostBait bait;
    private static ExecutorService companions;

    /** The backend under test, created by the subclass's {@code @BeforeAll}. */
    protected abstract CorpusBackend backend();

    @BeforeAll
    static void layBait() throws IOException {
        bait = HostBait.create();
        companions = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void removeBaitAndWriteTable() throws Exception {
        companions.shutdownNow();
        bait.close();
        Path dir = Path.of("target", "hostile-corpus");
        Files.createDirectories(dir);
        for (Map.Entry<String, Map<String, String>> backend : VERDICTS.entrySet()) {
            List<String> lines = new ArrayList<>();
            backend.getValue().forEach((id, verdict) -> lines.add(id + "\t" + verdict));
            Files.write(dir.resolve(backend.getKey() + ".tsv"), lines);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.execq.executor.sandbox.hostile.HostileCorpus#all")
    void containsTheCase(HostileCase hostileCase) throws Exception {
        CorpusBackend backend = backend();
        CaseRun run = new CaseRun(hostileCase, bait, backend, EXECUTOR_ID);
        Verdict verdict = new Verdict(hostileCase, backend.name());
        long start = System.nanoTime();
        bait.restartVictimIfGone(); // before any check looks: a new victim is not a process of this case
        List<HostCheck> checks = HostChecks.forCase(run);
        for (HostCheck check : checks) {
            check.before();
        }
        long ran = System.nanoTime();

        Optional<Future<SandboxOutcome>> companion = startCompanion(run);
        List<SandboxOutcome> outcomes = runHostileProgram(run, verdict);
        companion.ifPresent(future -> verdict.add("harness", companionWroteFirst(future, outcomes)));
        if (hostileCase.hostChecks().contains("sandbox-still-runs")) {
            verdict.add("sandbox-still-runs", stillRuns(run));
        }
        long settled = System.nanoTime();
        backend.settle();
        long checked = System.nanoTime();
        for (HostCheck check : checks) {
            verdict.add(check.name(), check.after());
        }
        LOG.info("{} on {}: checks before {} ms, runs {} ms, settle {} ms, checks after {} ms", hostileCase.id(),
                backend.name(), (ran - start) / 1_000_000, (settled - ran) / 1_000_000, (checked - settled) / 1_000_000,
                (System.nanoTime() - checked) / 1_000_000);

        VERDICTS.computeIfAbsent(backend.name(), b -> new ConcurrentSkipListMap<>()).put(hostileCase.id(), verdict.summary());
        assertThat(verdict.violations())
                .as("%s on %s (%s): %s", hostileCase.id(), backend.name(), hostileCase.sources().get(0), hostileCase.proves())
                .isEmpty();
    }

    private static List<SandboxOutcome> runHostileProgram(CaseRun run, Verdict verdict) {
        List<SandboxOutcome> outcomes = new ArrayList<>();
        for (int index = 1; index <= run.hostileCase().runs(); index++) {
            String prefix = run.hostileCase().runs() > 1 ? "run " + index + ": " : "";
            long start = System.nanoTime();
            try {
                SandboxOutcome outcome = run.backend().sandbox().run(run.spec(index));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                verdict.add("outcome", run.hostileCase().expect().violations(outcome, took).stream().map(v -> prefix + v).toList());
                verdict.add("disclosure", Disclosure.violations(outcome, run).stream().map(v -> prefix + v).toList());
                outcomes.add(outcome);
                keepOutput(run, index, outcome);
            } catch (SandboxException e) {
                verdict.add("outcome", List.of(prefix + "the sandbox failed to run it: " + e));
            }
        }
        return outcomes;
    }

    /** The first 8 KiB of each stream, next to the table, for reading what a case did. */
    private static void keepOutput(CaseRun run, int index, SandboxOutcome outcome) {
        try {
            Path dir = Path.of("target", "hostile-corpus", run.backend().name());
            Files.createDirectories(dir);
            String text = "outcome: " + Expectations.Status.of(outcome) + " exit " + outcome.exitCode() + " took "
                    + outcome.duration().toMillis() + " ms\n--- stdout (" + outcome.stdout().totalBytes() + " bytes)\n"
                    + head(outcome.stdout().text()) + "\n--- stderr (" + outcome.stderr().totalBytes() + " bytes)\n"
                    + head(outcome.stderr().text()) + "\n";
            Files.writeString(dir.resolve(run.hostileCase().id() + ".run" + index + ".txt"), text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String head(String text) {
        return text.length() > 8192 ? text.substring(0, 8192) + "..." : text;
    }

    private static Optional<Future<SandboxOutcome>> startCompanion(CaseRun run) throws InterruptedException {
        Optional<SandboxSpec> spec = run.companionSpec();
        if (spec.isEmpty()) {
            return Optional.empty();
        }
        Future<SandboxOutcome> future = companions.submit(() -> run.backend().sandbox().run(spec.get()));
        Thread.sleep(COMPANION_HEAD_START.toMillis());
        return Optional.of(future);
    }

    /**
     * The companion must have written its secret before the hostile program started looking, or the case proved
     * nothing: that is a failure of the harness, never tolerated.
     */
    private static List<String> companionWroteFirst(Future<SandboxOutcome> future, List<SandboxOutcome> outcomes) {
        try {
            SandboxOutcome companion = future.get(CaseRun.COMPANION_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            Matcher wrote = COMPANION_WROTE.matcher(companion.stdout().text());
            if (!wrote.find()) {
                return List.of("the companion did not report writing its secret: " + companion + " stderr "
                        + Expectations.excerpt(companion.stderr().text()));
            }
            Instant wroteAt = Instant.ofEpochMilli(Long.parseLong(wrote.group(1)));
            if (!outcomes.isEmpty() && !wroteAt.isBefore(outcomes.get(0).startedAt())) {
                return List.of("the companion wrote its secret at " + wroteAt + ", after the hostile program started at "
                        + outcomes.get(0).startedAt() + "; raise the head start");
            }
            return List.of();
        } catch (Exception e) {
            return List.of("the companion run failed: " + e);
        }
    }

    private static List<String> stillRuns(CaseRun run) {
        try {
            SandboxOutcome echo = run.backend().sandbox().run(run.echoSpec());
            return echo.succeeded() && echo.stdout().text().equals("still-alive\n") ? List.of()
                    : List.of("a trivial run after the case did not succeed: " + echo + " stderr "
                            + Expectations.excerpt(echo.stderr().text()));
        } catch (SandboxException e) {
            return List.of("a trivial run after the case failed: " + e);
        }
    }
}
