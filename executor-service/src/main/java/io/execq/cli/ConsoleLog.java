package io.execq.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Reconfigures where execq's own log lines go, after the command line is parsed (logback.xml sets the defaults:
 * plain lines on stderr, the broker's and Kafka clients' lines in {@code kafka.log}).
 */
final class ConsoleLog {

    static final String CONSOLE = "CONSOLE";

    private ConsoleLog() {
    }

    /** One JSON object per line on stderr (logback's {@link JsonEncoder}), for log shippers. */
    static void json() {
        LoggerContext context = context();
        ConsoleAppender<ILoggingEvent> console = console(context);
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        replaceEncoder(console, encoder);
    }

    /**
     * Sends every line that would reach the console to {@code file} instead, so that a command whose output is a
     * table (demo, bench) prints only that.
     */
    static void toFile(Path file) {
        LoggerContext context = context();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
        if (console == null) {
            return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{ISO8601} %-5level [%thread] %logger{36} %mdc{requestId:-} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("EXECQ_FILE");
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
        root.detachAppender(console);
    }

    private static void replaceEncoder(ConsoleAppender<ILoggingEvent> console, Encoder<ILoggingEvent> encoder) {
        console.stop();
        console.setEncoder(encoder);
        console.start();
    }

    @SuppressWarnings("unchecked")
    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE);
        if (!(appender instanceof ConsoleAppender<?>)) {
            throw new IllegalStateException("logback.xml has no console appender named " + CONSOLE);
        }
        return (ConsoleAppender<ILoggingEvent>) appender;
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
