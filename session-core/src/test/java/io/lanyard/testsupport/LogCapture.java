package io.lanyard.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what a {@code java.util.logging} logger (and its children) logs while a test provokes
 * it, and keeps those expected lines out of the console: the test asserts on them instead. The
 * core logs through {@code System.Logger}, which the JDK sends to {@code java.util.logging}.
 *
 * <pre>
 * try (LogCapture log = LogCapture.of("io.lanyard.core")) {
 *     ...
 *     assertEquals(1, log.messages(Level.SEVERE).size(), log.toString());
 * }
 * </pre>
 */
public final class LogCapture extends Handler implements AutoCloseable {
    /** Held strongly while capturing: java.util.logging keeps loggers weakly. */
    private final Logger logger;
    private final boolean parentHandlers;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        this.parentHandlers = logger.getUseParentHandlers();
    }

    /** Starts recording {@code loggerName} and the loggers below it. */
    public static LogCapture of(String loggerName) {
        LogCapture capture = new LogCapture(Logger.getLogger(loggerName));
        capture.logger.addHandler(capture);
        capture.logger.setUseParentHandlers(false);
        return capture;
    }

    /** The messages logged at exactly {@code level} so far. */
    public List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setUseParentHandlers(parentHandlers);
    }

    /** Every record so far, one per line, for assertion messages. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("logged by ").append(logger.getName()).append(':');
        records.forEach(r -> sb.append("\n  ").append(r.getLevel()).append(' ').append(r.getMessage()));
        return sb.toString();
    }
}
