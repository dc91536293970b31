package io.lanyard.jetty;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the core's log lines (it logs through {@code System.Logger}, which the JDK sends to
 * {@code java.util.logging}) to Jetty's logging (SLF4J), so Jetty's log has one format instead of
 * the JDK's two-line one inside it. The core attaches it while at least one store runs
 * ({@link io.lanyard.core.LanyardSettings#setLogHandler}).
 */
final class Slf4jBridge extends Handler {
    private Slf4jBridge() {
    }

    /**
     * A bridge at the level SLF4J prints for {@code io.lanyard} (so a disabled level costs no log
     * record), or null when SLF4J itself writes to java.util.logging (that would loop) or has no provider.
     */
    static Slf4jBridge create() {
        String provider = LoggerFactory.getILoggerFactory().getClass().getName();
        if (provider.startsWith("org.slf4j.jul.") || provider.endsWith("NOPLoggerFactory")) {
            return null;
        }
        Slf4jBridge bridge = new Slf4jBridge();
        bridge.setFormatter(new SimpleFormatter()); // only its formatMessage: {0} parameters, resource bundles
        Logger slf4j = LoggerFactory.getLogger("io.lanyard");
        bridge.setLevel(slf4j.isTraceEnabled() ? Level.ALL : slf4j.isDebugEnabled() ? Level.FINE
                : slf4j.isInfoEnabled() ? Level.INFO : slf4j.isWarnEnabled() ? Level.WARNING : Level.SEVERE);
        return bridge;
    }

    @Override
    public void publish(LogRecord record) {
        Logger log = LoggerFactory.getLogger(record.getLoggerName());
        String message = getFormatter().formatMessage(record);
        int level = record.getLevel().intValue();
        if (level >= Level.SEVERE.intValue()) {
            log.error(message, record.getThrown());
        } else if (level >= Level.WARNING.intValue()) {
            log.warn(message, record.getThrown());
        } else if (level >= Level.INFO.intValue()) {
            log.info(message, record.getThrown());
        } else if (level >= Level.FINE.intValue()) {
            log.debug(message, record.getThrown());
        } else {
            log.trace(message, record.getThrown());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
