package io.execq.executor.sandbox.hostile;

import java.util.List;

/**
 * One look at the host around one case: {@link #before} records what it compares against, {@link #after} (called
 * once the runs returned and the backend settled) says what the case changed or left, and removes it again where
 * it can, so a leak does not spill into the next case.
 */
interface HostCheck {

    /** The name case files use in {@code host-checks} and {@code exception}. */
    String name();

    void before() throws Exception;

    /** Every violation found, one readable line each; empty when the host is as it must be. */
    List<String> after() throws Exception;
}
