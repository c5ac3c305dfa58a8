package io.execq.executor.sandbox.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunUsersTest {

    private static final IntPredicate NO_PROCESSES = uid -> false;

    @TempDir
    Path locks;

    private RunUsers pool(int first, int last, IntPredicate hasProcesses, int offset) {
        return new RunUsers(first, last, locks, hasProcesses, bound -> offset % bound);
    }

    @Test
    void handsOutDistinctUidsToConcurrentCallers() throws Exception {
        RunUsers users = pool(3_000_000, 3_000_063, NO_PROCESSES, 0);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> taken = new ArrayList<>();
        Callable<Integer> acquire = () -> {
            go.await();
            return users.acquire();
        };
        for (int i = 0; i < 64; i++) {
            taken.add(threads.submit(acquire));
        }
        go.countDown();
        Set<Integer> uids = ConcurrentHashMap.newKeySet();
        for (Future<Integer> uid : taken) {
            uids.add(uid.get());
        }
        threads.shutdown();

        assertThat(uids).hasSize(64).allMatch(uid -> uid >= 3_000_000 && uid <= 3_000_063);
        assertThat(users.heldCount()).isEqualTo(64);
    }

    @Test
    void startsTheSearchAtTheRandomOffsetAndWraps() throws Exception {
        RunUsers users = pool(3_000_000, 3_000_009, NO_PROCESSES, 8);

        assertThat(List.of(users.acquire(), users.acquire(), users.acquire()))
                .containsExactly(3_000_008, 3_000_009, 3_000_000);
    }

    @Test
    void reusesAReleasedUid() throws Exception {
        RunUsers users = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);
        int first = users.acquire();
        int second = users.acquire();

        users.release(first);

        assertThat(users.acquire()).isEqualTo(first);
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void failsWithARetriableTypedErrorWhenEveryUidIsTakenAndRecoversOnRelease() throws Exception {
        RunUsers users = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);
        int a = users.acquire();
        users.acquire();

        assertThatThrownBy(users::acquire)
                .isInstanceOf(RunUsersExhaustedException.class)
                .hasMessage("all 2 run uids 3000000-3000001 are taken (held by runs of this executor, "
                        + "locked by another executor, or owning live processes)")
                .matches(e -> ((RunUsersExhaustedException) e).retriable());
        users.release(a);
        assertThat(users.acquire()).isEqualTo(a);
    }

    @Test
    void skipsAUidThatStillHasProcesses() throws Exception {
        RunUsers users = pool(3_000_000, 3_000_002, uid -> uid == 3_000_000, 0);

        assertThat(users.acquire()).isEqualTo(3_000_001);
        assertThat(users.acquire()).isEqualTo(3_000_002);
        assertThatThrownBy(users::acquire).isInstanceOf(RunUsersExhaustedException.class);
    }

    @Test
    void twoPoolsOnOneLockDirectoryNeverShareAUid() throws Exception {
        RunUsers one = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);
        RunUsers other = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);

        int a = one.acquire();
        int b = other.acquire();

        assertThat(b).isNotEqualTo(a);
        assertThatThrownBy(other::acquire).isInstanceOf(RunUsersExhaustedException.class);
        one.release(a);
        assertThat(other.acquire()).isEqualTo(a);
    }

    @Test
    void aCleanUidStaysLockedForThisPoolAndIsReusedWithoutAProcessScan() throws Exception {
        java.util.concurrent.atomic.AtomicInteger scans = new java.util.concurrent.atomic.AtomicInteger();
        RunUsers one = pool(3_000_000, 3_000_001, uid -> {
            scans.incrementAndGet();
            return false;
        }, 0);
        RunUsers other = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);
        int a = one.acquire();
        int scansForFirst = scans.get();

        one.releaseClean(a);

        assertThat(one.heldCount()).isZero();
        assertThat(other.acquire()).as("the clean uid keeps its lock").isNotEqualTo(a);
        assertThatThrownBy(other::acquire).isInstanceOf(RunUsersExhaustedException.class);
        assertThat(one.acquire()).isEqualTo(a);
        assertThat(scans.get()).as("no scan for a uid known clean").isEqualTo(scansForFirst);
        one.releaseClean(a);
        one.close();
        assertThat(other.acquire()).as("close gives it back to the host").isEqualTo(a);
    }

    @Test
    void refusesToReleaseAUidItDoesNotHold() {
        RunUsers users = pool(3_000_000, 3_000_001, NO_PROCESSES, 0);

        assertThatThrownBy(() -> users.release(3_000_000))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("run uid 3000000 is not held");
    }

    @Test
    void rejectsRangesThatAreEmptyOrContainRootOrNobody() {
        assertThatThrownBy(() -> pool(10, 9, NO_PROCESSES, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run uid range 10-9 must be positive and non-empty (first <= last)");
        assertThatThrownBy(() -> pool(0, 9, NO_PROCESSES, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run uid range 0-9 must be positive and non-empty (first <= last)");
        assertThatThrownBy(() -> pool(65_000, 66_000, NO_PROCESSES, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run uid range 65000-66000 must not contain 65534 or 65535");
    }

    @Test
    void refusesARangeOverlappingAUserOfThisHost() {
        // Debian has system users below 1000 (daemon is uid 1).
        assertThatThrownBy(() -> RunUsers.forHost(1, 1_000, locks))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("run uid range 1-1000 overlaps /etc/passwd entry '")
                .hasMessageEndingWith("'; choose a range no user, group or subordinate id uses");
    }
}
