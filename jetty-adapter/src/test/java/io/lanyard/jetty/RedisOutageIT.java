package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.eclipse.jetty.session.SessionCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * Redis goes away under a running Jetty node and comes back (DESIGN.md, "Redis down"): requests
 * that need their session fail fast with 503 and keep their cookie, requests that need no session
 * (and another webapp with its own sessions) are served, the outage is logged once, and after
 * Redis is back the same session, with its attributes, is served again.
 */
class RedisOutageIT {
    private final List<LogRecord> coreRecords = new CopyOnWriteArrayList<>();
    private final Handler coreCapture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            coreRecords.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger coreLogger = Logger.getLogger("io.lanyard.core.RedisCalls");
    private final ByteArrayOutputStream jettyLog = new ByteArrayOutputStream();
    private StdErrAppender jettyAppender;
    private PrintStream jettyStream;
    private RedisServer redis;
    private Server server;

    @AfterEach
    void stop() throws Exception {
        coreLogger.removeHandler(coreCapture);
        if (jettyAppender != null) {
            jettyAppender.setStream(jettyStream);
        }
        try {
            if (server != null) {
                server.stop();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void sessionRequestsGet503WhileRedisIsDownAndTheSameSessionIsBackAfterwards() throws Exception {
        // AOF with fsync on every write: the sessions survive the SIGKILL below.
        redis = RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
        startServer();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();

        JettyNode.Reply created = JettyNode.Reply.get(port, "/shop/s?op=create&name=user&value=alice", null);
        assertEquals(200, created.status(), created.body());
        String cookie = created.setCookie();
        assertNotNull(cookie);
        assertEquals("[apple]", JettyNode.Reply.get(port, "/shop/s?op=cart&value=apple", cookie).body());
        JettyNode.Reply blog = JettyNode.Reply.get(port, "/blog/s?op=create&name=user&value=bob", null);
        assertEquals(200, blog.status(), blog.body());
        String id = cookie.substring(0, cookie.indexOf('.'));
        String key = "lanyard:shop:s:{" + id + "}";
        assertTrue(redis.exists(key), "the session's hash " + key);

        captureLogs();
        redis.kill();

        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            JettyNode.Reply down = JettyNode.Reply.get(port, "/shop/s?op=get&name=user", cookie);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(503, down.status(), "request " + i + ": " + down.body());
            assertTrue(down.body().contains("session store (Redis) cannot be reached"), down.body());
            assertNull(down.setCookie(), "no new session cookie replaces the user's");
            assertTrue(ms < 3000, "503 within the bounded timeouts, took " + ms + " ms");
            System.out.println("Redis killed: 503 after " + ms + " ms");
        }
        // An in-place change while down is refused as well (the servlet never runs).
        assertEquals(503, JettyNode.Reply.get(port, "/shop/s?op=cart&value=pear", cookie).status());

        // Creating a session while Redis is down: 503 and no cookie, not an unsaved session.
        JettyNode.Reply fresh = JettyNode.Reply.get(port, "/shop/s?op=create&name=user&value=mallory", null);
        assertEquals(503, fresh.status(), fresh.body());
        assertNull(fresh.setCookie());
        assertTrue(fresh.body().contains("session store (Redis) cannot be reached"), fresh.body());

        // No session id and no session use: served as usual.
        JettyNode.Reply ping = JettyNode.Reply.get(port, "/shop/s?op=ping", null);
        assertEquals(200, ping.status());
        assertEquals("pong", ping.body());
        // Another webapp of the server with its own (in-memory) sessions is not affected.
        assertEquals("bob", JettyNode.Reply.get(port, "/blog/s?op=get&name=user", blog.setCookie()).body());

        redis.restart();
        JettyNode.Reply back = JettyNode.Reply.await(port, "/shop/s?op=get&name=user", cookie, 200);
        assertEquals("alice", back.body());
        assertNull(back.setCookie(), "the original cookie stays");
        assertEquals("[apple, pear]", JettyNode.Reply.get(port, "/shop/s?op=cart&value=pear", cookie).body());
        assertEquals("[apple, pear]", JettyNode.Reply.get(port, "/shop/s?op=get&name=cart", cookie).body());
        assertTrue(redis.exists(key), "the session's hash " + key);
        JettyNode.Reply again = JettyNode.Reply.get(port, "/shop/s?op=create&name=user&value=carol", null);
        assertEquals(200, again.status(), "new sessions can be created again");
        assertNotNull(again.setCookie());

        assertLoggedOnce();

        // Redis that hangs instead of refusing connections: the read timeout bounds each request.
        coreRecords.clear();
        assertEquals("OK", redis.call(j -> j.clientPause(4000, ClientPauseMode.ALL)));
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            JettyNode.Reply down = JettyNode.Reply.get(port, "/shop/s?op=get&name=user", cookie);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(503, down.status(), "paused Redis, request " + i + ": " + down.body());
            assertNull(down.setCookie());
            assertTrue(ms < 3000, "503 within the bounded read timeout, took " + ms + " ms");
            System.out.println("paused Redis: 503 after " + ms + " ms");
        }
        assertEquals("alice", JettyNode.Reply.await(port, "/shop/s?op=get&name=user", cookie, 200).body());
        assertLoggedOnce();
    }

    /**
     * Redis dies while a request that changed its session runs. The store at
     * response commit fails without a stack trace in Jetty's log (the core logs the outage), and
     * the session is intact once Redis is back.
     */
    @Test
    void saveFailingMidRequestLogsNoStackTrace() throws Exception {
        redis = RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
        startServer();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        JettyNode.Reply created = JettyNode.Reply.get(port, "/shop/s?op=create&name=user&value=alice", null);
        assertEquals(200, created.status(), created.body());
        String cookie = created.setCookie();
        SessionServlet.held = new java.util.concurrent.CountDownLatch(1);
        SessionServlet.release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<JettyNode.Reply> holding =
                    pool.submit(() -> JettyNode.Reply.get(port, "/shop/s?op=hold&name=theme&value=dark", cookie));
            assertTrue(SessionServlet.held.await(30, TimeUnit.SECONDS), "the request loaded and changed its session");
            captureLogs();
            redis.kill();
            SessionServlet.release.countDown();
            JettyNode.Reply reply = holding.get(60, TimeUnit.SECONDS);
            // Jetty stores at commit, after status and headers were fixed: the status stays the webapp's.
            System.out.println("save failed at commit: status " + reply.status());
        } finally {
            SessionServlet.release.countDown();
            pool.shutdownNow();
        }
        redis.restart();
        // The session is intact (the change itself is lost unless its save reached Redis before it died).
        assertEquals("alice", JettyNode.Reply.await(port, "/shop/s?op=get&name=user", cookie, 200).body());
        String jetty;
        synchronized (jettyLog) {
            jetty = jettyLog.toString(StandardCharsets.UTF_8);
        }
        // The core's own lost-save line (now in Jetty's log format, naming the cause) is expected.
        assertFalse(jetty.contains("\tat ") || jetty.contains("Unable to commit") || jetty.contains("Unable to release"),
                "no stack trace for the failed store in Jetty's log:\n" + jetty);
        List<LogRecord> warnings = coreRecords.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
        assertTrue(!warnings.isEmpty() && warnings.size() <= 2, "the outage logged once: " + messages(warnings));
    }

    /** One WARNING (at most two) for the outage, its recovery logged, nothing from Jetty. */
    private void assertLoggedOnce() {
        List<LogRecord> warnings = coreRecords.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
        assertTrue(!warnings.isEmpty() && warnings.size() <= 2, "one WARNING for the outage: " + messages(warnings));
        assertTrue(coreRecords.stream().anyMatch(r -> r.getLevel() == Level.INFO
                && r.getMessage().contains("reachable again")), "recovery logged: " + messages(coreRecords));
        String jetty;
        synchronized (jettyLog) {
            jetty = jettyLog.toString(StandardCharsets.UTF_8);
        }
        assertFalse(jetty.contains("RedisUnavailableException") || jetty.contains("\tat ")
                || jetty.contains("Unable to get Session"), "no stack trace per request in Jetty's log:\n" + jetty);
    }

    private void startServer() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        RedisSessionDataStoreFactory store = new RedisSessionDataStoreFactory();
        store.setRedisUri(redis.uri());
        store.set("connectTimeoutMillis", 500);
        store.set("readTimeoutMillis", 500);
        server.addBean(store);
        DefaultSessionCacheFactory cache = new DefaultSessionCacheFactory();
        cache.setEvictionPolicy(SessionCache.EVICT_ON_SESSION_EXIT);
        cache.setFlushOnResponseCommit(true);
        server.addBean(cache);

        ServletContextHandler shop = new ServletContextHandler(ServletContextHandler.SESSIONS);
        shop.setContextPath("/shop");
        shop.addServlet(SessionServlet.class, "/s");
        // A second webapp that keeps its sessions in memory (its own cache, no Redis).
        ServletContextHandler blog = new ServletContextHandler(ServletContextHandler.SESSIONS);
        blog.setContextPath("/blog");
        blog.addServlet(SessionServlet.class, "/s");
        SessionHandler blogSessions = blog.getSessionHandler();
        DefaultSessionCache blogCache = new DefaultSessionCache(blogSessions);
        blogCache.setSessionDataStore(new NullSessionDataStore());
        blogSessions.setSessionCache(blogCache);
        server.setHandler(new ContextHandlerCollection(shop, blog));
        server.start();
    }

    /** Records the core's outage log lines and everything Jetty's SLF4J logger writes from now on. */
    private void captureLogs() {
        coreLogger.addHandler(coreCapture);
        jettyAppender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger("org.eclipse.jetty")).getAppender();
        jettyStream = jettyAppender.getStream();
        PrintStream original = jettyStream != null ? jettyStream : System.err; // null: the appender's default
        jettyAppender.setStream(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (jettyLog) {
                    jettyLog.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (jettyLog) {
                    jettyLog.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
    }

    private static String messages(List<LogRecord> records) {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList().toString();
    }
}
