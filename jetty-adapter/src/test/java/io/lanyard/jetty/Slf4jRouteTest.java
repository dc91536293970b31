package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.core.LanyardSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
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
 * class path) through the core's SLF4J route ({@link LanyardSettings#slf4jLogHandler}), in Jetty's
 * format, at the levels Jetty's logging prints. (The core attaches the route while stores run:
 * LogRouteTest.)
 */
class Slf4jRouteTest {
    /** Held strongly while the test runs (java.util.logging keeps loggers weakly). */
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

    @Test
    void forwardsInJettysFormat() {
        Handler bridge = LanyardSettings.slf4jLogHandler();
        assertNotNull(bridge, "Jetty's SLF4J provider is on the class path");
        assertEquals(Level.INFO, bridge.getLevel(), "Jetty's logging prints INFO and above by default");
        core.addHandler(bridge);
        core.setUseParentHandlers(false);
        core.setLevel(bridge.getLevel());
        try {
            core.log(Level.WARNING, "Redis at {0} is unreachable", "redis://h:6379");
            core.info("a pattern {} stays as it is");
            core.log(Level.SEVERE, "refused", new IllegalStateException("the cause"));
            core.fine("not enabled in Jetty's logging: never formatted");
            String out = jettyOut.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains(":WARN :ilc.Probe:") && out.contains("Redis at redis://h:6379 is unreachable"), out);
            assertTrue(out.contains(":ERROR:ilc.Probe:") && out.contains("refused")
                    && out.contains("java.lang.IllegalStateException: the cause"), "the throwable is passed on: " + out);
            assertTrue(out.contains(":INFO :ilc.Probe:") && out.contains("a pattern {} stays as it is"), out);
            assertFalse(out.contains("never formatted"), out);
        } finally {
            core.removeHandler(bridge);
            core.setUseParentHandlers(true);
            core.setLevel(null);
        }
    }
}
