package io.lanyard.core;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the core's log lines (it logs through {@code System.Logger}, which the JDK sends to
 * {@code java.util.logging}) to SLF4J, for a container that logs through SLF4J (Jetty): its log
 * then has one format instead of the JDK's two-line one inside it. A log handler for
 * {@link LanyardSettings#setLogHandler}, attached by {@link LogRoute} while a store runs. SLF4J's
 * API comes with Jedis; this class is loaded only when an adapter asks for it.
 */
final class Slf4jRoute extends Handler {
    private Slf4jRoute() {
    }

    /**
     * A route at the level SLF4J prints for {@code io.lanyard} (so a disabled level costs no log
     * record), or null when SLF4J itself writes to java.util.logging (that would loop) or has no provider.
     */
    static Slf4jRoute create() {
        String provider = LoggerFactory.getILoggerFactory().getClass().getName();
        if (provider.startsWith("org.slf4j.jul.") || provider.endsWith("NOPLoggerFactory")) {
            return null;
        }
        Slf4jRoute route = new Slf4jRoute();
        route.setFormatter(new SimpleFormatter()); // only its formatMessage: {0} parameters, resource bundles
        Logger slf4j = LoggerFactory.getLogger("io.lanyard");
        route.setLevel(slf4j.isTraceEnabled() ? Level.ALL : slf4j.isDebugEnabled() ? Level.FINE
                : slf4j.isInfoEnabled() ? Level.INFO : slf4j.isWarnEnabled() ? Level.WARNING : Level.SEVERE);
        return route;
    }

    /** The message goes as one text (never as an SLF4J pattern: a "{}" in it stays as it is), with its throwable. */
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
