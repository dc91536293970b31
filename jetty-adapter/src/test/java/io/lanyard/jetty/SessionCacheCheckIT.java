package io.lanyard.jetty;

import io.lanyard.testsupport.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An embedded server that forgets {@link LanyardSessionCacheFactory} gets Jetty's default cache,
 * which keeps sessions between requests and so can serve a copy another node has changed since:
 * the store says so at start, with the fix; with the factory it says nothing.
 */
class SessionCacheCheckIT {
    private static final String WARNING = "keeps sessions between requests or stores them after the response";
    private final ByteArrayOutputStream jettyOut = new ByteArrayOutputStream();
    private StdErrAppender appender;
    private PrintStream original;
    private RedisServer redis;

    @BeforeEach
    void start() {
        appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger("org.eclipse.jetty")).getAppender();
        original = appender.getStream();
        appender.setStream(new PrintStream(jettyOut, true, StandardCharsets.UTF_8));
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() {
        appender.setStream(original);
        redis.close();
    }

    private String startAndStop(boolean withLanyardCache) throws Exception {
        Server server = new Server();
        RedisSessionDataStoreFactory store = new RedisSessionDataStoreFactory();
        store.setRedisUri(redis.uri());
        server.addBean(store);
        if (withLanyardCache) {
            server.addBean(new LanyardSessionCacheFactory());
        }
        server.setHandler(new ServletContextHandler(ServletContextHandler.SESSIONS));
        server.start();
        server.stop();
        return jettyOut.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jettysDefaultCacheIsReportedWithTheFix() throws Exception {
        String log = startAndStop(false);
        assertTrue(log.contains(WARNING) && log.contains("new io.lanyard.jetty.LanyardSessionCacheFactory()"), log);
    }

    @Test
    void lanyardsCacheIsNotReported() throws Exception {
        assertFalse(startAndStop(true).contains(WARNING));
    }
}
