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
 * the JDK's two-line one inside it. Attached to the JUL logger {@code io.lanyard} while at least one
 * store runs; not attached when SLF4J itself writes to JUL (that would loop) or has no provider.
 */
final class Slf4jBridge extends Handler {
    /** Held strongly: java.util.logging keeps loggers weakly and would forget our handler. */
    private static final java.util.logging.Logger LANYARD = java.util.logging.Logger.getLogger("io.lanyard");
    private static int stores;
    private static Slf4jBridge installed;

    static synchronized void install() {
        String provider = LoggerFactory.getILoggerFactory().getClass().getName();
        if (stores++ > 0 || provider.startsWith("org.slf4j.jul.") || provider.endsWith("NOPLoggerFactory")) {
            return;
        }
        installed = new Slf4jBridge();
        installed.setFormatter(new SimpleFormatter()); // only its formatMessage: {0} parameters, resource bundles
        Logger slf4j = LoggerFactory.getLogger("io.lanyard");
        // Lets through what SLF4J would print, so a disabled level costs no LogRecord.
        LANYARD.setLevel(slf4j.isTraceEnabled() ? Level.ALL : slf4j.isDebugEnabled() ? Level.FINE
                : slf4j.isInfoEnabled() ? Level.INFO : slf4j.isWarnEnabled() ? Level.WARNING : Level.SEVERE);
        LANYARD.addHandler(installed);
        LANYARD.setUseParentHandlers(false);
    }

    static synchronized void uninstall() {
        if (--stores > 0 || installed == null) {
            return;
        }
        LANYARD.removeHandler(installed);
        LANYARD.setUseParentHandlers(true);
        LANYARD.setLevel(null);
        installed = null;
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
