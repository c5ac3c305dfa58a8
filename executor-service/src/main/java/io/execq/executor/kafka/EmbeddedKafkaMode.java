package io.execq.executor.kafka;

/** When {@code execq serve} starts its own broker. */
public enum EmbeddedKafkaMode {
    /** Only when nothing answers at the bootstrap address (and that address is on this host's loopback). */
    AUTO,
    /** Always, ignoring the bootstrap address. */
    ALWAYS,
    /** Never: fail when the bootstrap address does not answer. */
    NEVER
}
