package io.execq.cli;

import java.nio.file.Path;

/** Where logback writes the broker's and Kafka clients' log (see logback.xml: property execq.log.dir). */
final class LogLocation {

    private LogLocation() {
    }

    static Path kafkaLog() {
        String dir = System.getProperty("execq.log.dir", System.getProperty("user.home") + "/.execq/logs");
        return Path.of(dir, "kafka.log");
    }
}
