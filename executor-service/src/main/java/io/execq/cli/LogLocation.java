package io.execq.cli;

import java.nio.file.Path;

/** Where logback writes the broker's and Kafka clients' log (see logback.xml: property execq.log.dir) and ours. */
final class LogLocation {

    private LogLocation() {
    }

    static Path kafkaLog() {
        return dir().resolve("kafka.log");
    }

    /** Where a command that prints a table (demo, bench) sends execq's own log unless {@code --verbose}. */
    static Path execqLog() {
        return dir().resolve("execq.log");
    }

    private static Path dir() {
        return Path.of(System.getProperty("execq.log.dir", System.getProperty("user.home") + "/.execq/logs"));
    }
}
