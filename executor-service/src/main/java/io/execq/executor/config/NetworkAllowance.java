package io.execq.executor.config;

/** Which network a request may ask for ({@code --allow-network}); every request may have {@code NONE}. */
public enum NetworkAllowance {
    /** Loopback only, for every run. */
    NONE,
    /** Requests may ask for the container engine's bridge network (egress); never on the process fallback. */
    BRIDGE
}
