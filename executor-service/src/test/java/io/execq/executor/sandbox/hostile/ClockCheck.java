package io.execq.executor.sandbox.hostile;

import java.util.List;

/**
 * The host's wall clock advanced with its monotonic clock while the case ran: no run set the time. (Programs that
 * try set it to the time they read, so even a successful attempt does not move the clock far; their own report
 * of the attempt is checked by the case's expectations.)
 */
final class ClockCheck implements HostCheck {

    private static final long TOLERANCE_MILLIS = 2_000;

    private long wallBefore;
    private long monotonicBefore;

    @Override
    public String name() {
        return "clock";
    }

    @Override
    public void before() {
        wallBefore = System.currentTimeMillis();
        monotonicBefore = System.nanoTime();
    }

    @Override
    public List<String> after() {
        long wall = System.currentTimeMillis() - wallBefore;
        long monotonic = (System.nanoTime() - monotonicBefore) / 1_000_000;
        return Math.abs(wall - monotonic) <= TOLERANCE_MILLIS ? List.of()
                : List.of("the host wall clock moved " + wall + " ms while " + monotonic + " ms passed");
    }
}
