package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The core's java.util.logging records reach Jetty's SLF4J logging (jetty-slf4j-impl on the test
 * class path) while at least one store runs, and java.util.logging is as before once the last
 * store has stopped.
 */
class Slf4jBridgeTest {
    /** Held strongly while the test runs (java.util.logging keeps loggers weakly). */
    private final Logger lanyard = Logger.getLogger("io.lanyard");
    private final Logger core = Logger.getLogger("io.lanyard.core.Probe");
    private final ByteArrayOutputStream jettyOut = new ByteArrayOutputStream();
    private StdErrAppender appender;
    private PrintStream original;

    @BeforeEach
    void captureJettysOutput() {
        appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger("org.eclipse.jetty")).getAppender();
        original = appender.getStream();
        appender.setStream(new PrintStream(jettyOut, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        appender.setStream(original);
    }

    private boolean bridged() {
        return Arrays.stream(lanyard.getHandlers()).anyMatch(h -> h instanceof Slf4jBridge);
    }

    @Test
    void forwardsWhileAStoreRunsAndIsRemovedWithTheLast() {
        Slf4jBridge.install(); // two webapps' stores
        Slf4jBridge.install();
        try {
            core.log(Level.WARNING, "Redis at {0} is unreachable", "redis://h:6379");
            core.log(Level.SEVERE, "refused", new IllegalStateException("the cause"));
            core.fine("not enabled in Jetty's logging: never formatted");
            String out = jettyOut.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains(":WARN :ilc.Probe:") && out.contains("Redis at redis://h:6379 is unreachable"), out);
            assertTrue(out.contains(":ERROR:ilc.Probe:") && out.contains("refused")
                    && out.contains("java.lang.IllegalStateException: the cause"), "the throwable is passed on: " + out);
            assertFalse(out.contains("never formatted"), out);
            assertFalse(lanyard.getUseParentHandlers(), "not printed a second time in the JDK's format");

            Slf4jBridge.uninstall(); // one webapp stops: the other's lines still go to Jetty's log
            assertTrue(bridged());
        } finally {
            Slf4jBridge.uninstall();
        }
        assertFalse(bridged(), "removed with the last store");
        assertTrue(lanyard.getUseParentHandlers());
        assertEquals(null, lanyard.getLevel());
    }
}
