package io.execq.executor.config;

/** How {@code execq serve} writes its log lines on stderr. */
public enum LogFormat {
    /** One human-readable line per event. */
    TEXT,
    /** One JSON object per line (logback's JsonEncoder: timestamp, level, logger, thread, mdc, message, throwable). */
    JSON
}
