// The load of ops/soak.sh: keeps IN_FLIGHT requests outstanding against one executor for a duration, through the
// producer SDK (the real path: requests topic -> executor -> results topic), then waits for the stragglers.
// Run with the shaded jar on the class path: java -cp executor-service/target/execq.jar ops/soak/SoakLoad.java ...
// Not part of the build or of CI.

import io.execq.schema.ExecutionResult;
import io.execq.schema.Isolation;
import io.execq.sdk.ExecutionClient;
import io.execq.sdk.ExecutionRequests;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class SoakLoad {

    /** The request mix, in rotation: a short run, a run with 64 KiB of output, a run that sleeps. */
    private static final List<List<String>> MIX = List.of(
            List.of("echo", "soak"),
            List.of("sh", "-c", "head -c 65536 /dev/zero | tr '\\0' x"),
            List.of("sleep", "0.3"));

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SoakLoad BOOTSTRAP SECONDS IN_FLIGHT ISOLATION");
            System.exit(2);
        }
        String bootstrap = args[0];
        Duration duration = Duration.ofSeconds(Long.parseLong(args[1]));
        int inFlight = Integer.parseInt(args[2]);
        Isolation isolation = Isolation.valueOf(args[3]);
        Semaphore slots = new Semaphore(inFlight);
        Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong failures = new AtomicLong();
        long submitted = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try (ExecutionClient client = ExecutionClient.builder().bootstrapServers(bootstrap).build()) {
            while (System.nanoTime() < end) {
                if (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                List<String> command = MIX.get((int) (submitted % MIX.size()));
                submitted++;
                client.execute(ExecutionRequests.command(command).isolation(isolation).build(), Duration.ofMinutes(2))
                        .whenComplete((ExecutionResult result, Throwable error) -> {
                            if (error != null) {
                                failures.incrementAndGet();
                            } else {
                                statuses.computeIfAbsent(result.getStatus().name(), s -> new AtomicLong())
                                        .incrementAndGet();
                            }
                            slots.release();
                        });
            }
            // Every outstanding request gets its result (or times out) before the client closes.
            if (!slots.tryAcquire(inFlight, 3, TimeUnit.MINUTES)) {
                System.err.println("soak load: requests still outstanding after 3 minutes");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> counts = new TreeMap<>();
        statuses.forEach((status, count) -> counts.put(status, count.get()));
        System.out.printf("load: %d submitted in %.0f s (%.1f/s), results %s, client failures %d%n", submitted,
                seconds, submitted / seconds, counts, failures.get());
        System.exit(failures.get() == 0 && counts.keySet().equals(java.util.Set.of("SUCCEEDED")) ? 0 : 1);
    }
}
