package io.execq.executor.pipeline;

import io.execq.executor.sandbox.Route;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Chooses which waiting request takes the next free slot.
 * <ul>
 *   <li>Partitions take turns (round-robin from the one after the last partition served), so a busy partition cannot
 *       take every slot.</li>
 *   <li>Within a partition, the lowest offset that may start goes first; with {@link SchedulingPolicy.Ordering#PARTITION}
 *       only the lowest waiting offset may, and only when nothing of the partition runs.</li>
 *   <li>With a fair-share label, the label value with the fewest runs in flight goes first (ties: partition turn), so
 *       one tenant's burst cannot starve another's.</li>
 * </ul>
 * On the way it settles what can never start: a request past its deadline ({@code EXPIRED}) and one whose only
 * allowed sandbox the policy forbids ({@code REJECTED}).
 */
final class StartPicker {

    /** A request that may start now, and the partition it belongs to. */
    record Pick(PartitionWork work, PartitionWork.Waiting waiting, String shareKey) {
    }

    private final SchedulingPolicy policy;
    private final SandboxSelector sandboxes;
    private final ResultFactory results;
    private final Map<String, Integer> runningByShare = new HashMap<>();
    private int turn;

    StartPicker(SchedulingPolicy policy, SandboxSelector sandboxes, ResultFactory results) {
        this.policy = policy;
        this.sandboxes = sandboxes;
        this.results = results;
    }

    /**
     * The next request to start among {@code partitions}, if any; requests settled on the way go to {@code settled}
     * (with their partition) and leave their partition's ready list.
     */
    Optional<Pick> next(List<PartitionWork> partitions, Instant now,
                        BiConsumer<PartitionWork, Completion> settled) {
        int n = partitions.size();
        Pick best = null;
        int bestRunning = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            PartitionWork work = partitions.get((turn + i) % n);
            Map<String, Boolean> keysSeen = new HashMap<>();
            for (Pick pick : startable(work, now, settled)) {
                if (keysSeen.put(pick.shareKey(), true) != null) {
                    continue; // a later offset of a share key already considered in this partition
                }
                int running = runningByShare.getOrDefault(pick.shareKey(), 0);
                if (policy.fairShareLabel().isEmpty()) {
                    return Optional.of(pick);
                }
                if (running < bestRunning) {
                    best = pick;
                    bestRunning = running;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code pick} started: the next turn goes to the partition after its own. */
    void started(Pick pick, List<PartitionWork> partitions) {
        turn = (partitions.indexOf(pick.work()) + 1) % partitions.size();
        runningByShare.merge(pick.shareKey(), 1, Integer::sum);
    }

    /** A run of {@code shareKey} ended (or was abandoned). */
    void ended(String shareKey) {
        runningByShare.computeIfPresent(shareKey, (k, v) -> v <= 1 ? null : v - 1);
    }

    /** The requests of {@code work} that may start now, lowest offset first (one at most without fair share). */
    private List<Pick> startable(PartitionWork work, Instant now,
                                 BiConsumer<PartitionWork, Completion> settled) {
        if (work.running.size() >= policy.window()) {
            return List.of();
        }
        List<Pick> picks = new ArrayList<>();
        for (Iterator<PartitionWork.Waiting> it = work.ready.iterator(); it.hasNext(); ) {
            PartitionWork.Waiting waiting = it.next();
            var request = waiting.run().request();
            if (request.getDeadline() != null && now.isAfter(request.getDeadline())) {
                it.remove();
                settled.accept(work, Completion.of(waiting.record(), results.expired(request)));
                continue;
            }
            boolean may = !now.isBefore(waiting.notBefore());
            if (may && sandboxes.route(waiting.run().isolation()) instanceof Route.Unavailable unavailable) {
                if (!unavailable.waitable()) {
                    // Waiting cannot help (the policy forbids the only sandbox the request allows).
                    it.remove();
                    settled.accept(work, Completion.of(waiting.record(),
                            results.rejected(request, unavailable.reason())));
                    continue;
                }
                may = false;
            }
            if (may) {
                picks.add(new Pick(work, waiting, shareKey(waiting)));
                if (policy.fairShareLabel().isEmpty()) {
                    break;
                }
            }
            if (policy.ordered()) {
                break; // only the lowest waiting offset of a partition may start
            }
        }
        return picks;
    }

    private String shareKey(PartitionWork.Waiting waiting) {
        return policy.fairShareLabel().map(label -> {
            Object value = waiting.run().request().getLabels().get(label);
            return value == null ? "" : value.toString();
        }).orElse("");
    }
}
