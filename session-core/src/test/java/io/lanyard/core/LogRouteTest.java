package io.lanyard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core's java.util.logging records reach an adapter's handler while at least one store given
 * it runs, and java.util.logging is as before once the last one has stopped or failed to start.
 * The logging configuration is global to the JVM: the handler keeps only this test's own probe
 * records (a store another test left running may log meanwhile), and "as before" is compared
 * with what was there before.
 */
class LogRouteTest {
    /** Held strongly while the test runs (java.util.logging keeps loggers weakly). */
    private final Logger lanyard = Logger.getLogger("io.lanyard");
    private final Logger core = Logger.getLogger("io.lanyard.core.LogRouteTest.Probe");
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (core.getName().equals(record.getLoggerName())) {
                seen.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private boolean attached() {
        return Arrays.asList(lanyard.getHandlers()).contains(handler);
    }

    @BeforeEach
    void noRouteOpen() {
        assertTrue(lanyard.getUseParentHandlers(), "another test left a store with a log handler running");
    }

    @Test
    void attachedWhileAStoreRunsAndDetachedWithTheLast() {
        handler.setLevel(Level.INFO);
        LanyardSettings a = new LanyardSettings();
        a.setLogHandler(handler);
        LanyardSettings b = a.copy(); // two webapps of one Jetty factory
        LogRoute.open(a);
        LogRoute.open(b);
        try {
            core.warning("Redis is unreachable");
            core.fine("below the handler's level: no record");
            assertEquals(List.of("Redis is unreachable"), seen);
            assertFalse(lanyard.getUseParentHandlers(), "not printed a second time in the JDK's format");

            LogRoute.close(a); // one webapp stops: the other's lines still go to the handler
            LogRoute.close(a);
            assertTrue(attached());
        } finally {
            LogRoute.close(b);
        }
        assertFalse(attached(), "removed with the last store");
        assertTrue(lanyard.getUseParentHandlers());
        assertNull(lanyard.getLevel());
    }

    @Test
    void aFailedStartDetachesAndSettingsWithoutAHandlerRouteNothing() {
        LanyardSettings s = new LanyardSettings();
        s.setLogHandler(handler);
        assertThrows(IllegalStateException.class, () -> StoreStart.start(s, "/shop", null, () -> {
            assertTrue(attached(), "routed from the first line on");
            throw new IllegalStateException("refused");
        }));
        assertFalse(attached());
        assertTrue(lanyard.getUseParentHandlers());

        LanyardSettings plain = new LanyardSettings();
        List<Handler> before = List.of(lanyard.getHandlers());
        LogRoute.open(plain);
        assertTrue(lanyard.getUseParentHandlers());
        assertEquals(before, List.of(lanyard.getHandlers()));
        LogRoute.close(plain);
    }
}
