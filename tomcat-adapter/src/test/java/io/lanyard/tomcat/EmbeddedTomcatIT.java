package io.lanyard.tomcat;

import io.lanyard.testapp.SessionEvents;
import io.lanyard.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two embedded Tomcat 11 nodes (jvmRoutes "a" and "b") with RedisSessionManager on one real
 * Redis; a browser sends the same JSESSIONID cookie to either node. Both nodes' stores run on one
 * {@link MutableClock}: session time moves only when a test moves it, so expiry needs no waiting.
 */
class EmbeddedTomcatIT {
    static RedisServer redis;
    final MutableClock clock = MutableClock.now();
    EmbeddedNode a;
    EmbeddedNode b;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void startNodes() throws Exception {
        SessionEvents.EVENTS.clear();
        a = new EmbeddedNode("a", redis.uri(), m -> {
            m.setProperty("trustStorePassword", "s3cret");
            m.setClock(clock);
        });
        b = new EmbeddedNode("b", redis.uri(), m -> m.setClock(clock));
    }

    @AfterEach
    void stopNodes() throws Exception {
        try {
            if (a != null) {
                a.close();
            }
        } finally {
            if (b != null) {
                b.close();
            }
        }
        redis.call(Jedis::flushAll);
    }

    /**
     * Security review: Tomcat's cookie parsing looks up the session of every further JSESSIONID
     * cookie until one exists, so 100 cookies cost 100 Redis lookups. Now at most a few, and the
     * request still gets the session of its last cookie.
     */
    @Test
    void manySessionCookiesCostAFewLookupsNotOneEach() {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        StringBuilder cookies = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            cookies.append("AAAAAAAAAAAAAAAAAAAAAAAAAAAAA").append(String.format("%03d", i)).append("; JSESSIONID=");
        }
        cookies.append(browser.cookie);
        long before = a.manager.store().metrics().getRedisCommands();
        assertEquals("alice", new Browser(cookies.toString()).get(a.url("/s/get?name=user")), "the last cookie's session");
        long commands = a.manager.store().metrics().getRedisCommands() - before;
        assertTrue(commands <= 4 /* SessionIdLookups.PER_REQUEST */ + 2, commands + " Redis commands for a request with 101 session cookies");
    }

    @Test
    void sessionCreatedOnAIsUsedOnBWithTheSameCookieAndRouteSuffix() {
        Browser browser = new Browser();
        assertTrue(browser.get(a.url("/s/create")).endsWith("new=true"));
        assertTrue(browser.cookie.endsWith(".a"), "Tomcat appends the jvmRoute: " + browser.cookie);
        String id = browser.sessionId();
        browser.get(a.url("/s/set?name=user&value=alice"));

        assertEquals("alice", browser.get(b.url("/s/get?name=user")), "cookie ID.a works on node b");
        String info = browser.get(b.url("/s/info"));
        assertTrue(info.startsWith("id=" + id + ".b new=false"), info);
        assertTrue(browser.cookie.endsWith(".a"), "no new cookie on b");

        // A cookie with a foreign or garbage route suffix, and an invalid id, are handled.
        assertEquals("alice", new Browser(id + ".elsewhere").get(a.url("/s/get?name=user")));
        assertEquals("no-session", new Browser("not*a{valid}id").get(a.url("/s/get?name=user")));
    }

    @Test
    void lastAccessedTimeAndTimeoutTravel() {
        Browser browser = new Browser();
        browser.get(a.url("/s/create"));
        long created = field(browser.get(a.url("/s/info")), "created");
        clock.advance(Duration.ofMillis(50)); // distinct timestamps between requests
        browser.get(b.url("/s/timeout?seconds=1234"));
        clock.advance(Duration.ofMillis(50));
        String info = browser.get(a.url("/s/info"));
        assertEquals(1234, field(info, "maxInactive"));
        assertEquals(created, field(info, "created"));
        assertTrue(field(info, "lastAccessed") > created, "lastAccessed is the previous request's time: " + info);
    }

    @Test
    void inPlaceMutationPersistsAcrossNodes() {
        Browser browser = new Browser();
        browser.get(a.url("/s/cart-add?item=apple"));
        browser.get(b.url("/s/cart-add?item=pear")); // no setAttribute: mutated in place
        browser.get(a.url("/s/cart-add?item=plum"));
        assertEquals("[apple, pear, plum]", browser.get(b.url("/s/cart")));
        assertEquals("[apple, pear, plum]", browser.get(a.url("/s/cart")));
    }

    @Test
    void activationListenersRunWhenTheAttributeIsReadAndUnreadAttributesAreLeftAlone() {
        Browser browser = new Browser();
        browser.get(a.url("/s/cart-add?item=apple"));
        String id = browser.get(a.url("/s/create")).split(" ")[0].replaceFirst("\\..*", "") + ".b"; // as node b names it
        SessionEvents.EVENTS.clear();
        browser.get(b.url("/s/set?name=user&value=bob")); // the cart is not read: neither activated nor passivated
        assertEquals(List.of(), SessionEvents.EVENTS.stream().filter(e -> e.contains("cart")).toList());
        assertEquals("[apple]", browser.get(b.url("/s/cart")));
        List<String> cartEvents = SessionEvents.EVENTS.stream().filter(e -> e.contains("cart")).toList();
        assertEquals(List.of("activated cart " + id, "passivated cart " + id), cartEvents);
    }

    @Test
    void aSessionWithUnreadableMetadataIsNoSessionNotAnError() throws Exception {
        Browser browser = new Browser();
        String id = browser.get(a.url("/s/create")).split(" ")[0].replaceFirst("\\..*", "");
        browser.get(a.url("/s/set?name=user&value=alice"));
        try (Jedis j = redis.jedis()) {
            assertEquals(0, j.hset("lanyard:app:s:{" + id + "}", "maxInactive", "garbage"), "maxInactive existed: overwritten");
        }
        assertEquals("no-session", browser.get(b.url("/s/get?name=user")));
    }

    @Test
    void concurrentDistinctAttributesOnBothNodesAllSurvive() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/create"));
        String cookie = browser.cookie;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                EmbeddedNode node = i % 2 == 0 ? a : b;
                String url = node.url("/s/set?name=k" + i + "&value=v" + i);
                results.add(pool.submit(() -> new Browser(cookie).get(url)));
            }
            for (Future<String> f : results) {
                assertEquals("ok", f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        String names = browser.get(b.url("/s/names"));
        for (int i = 0; i < 24; i++) {
            assertTrue(names.contains("k" + i), "k" + i + " lost: " + names);
        }
        assertEquals("v7", browser.get(a.url("/s/get?name=k7")));
    }

    @Test
    void expiryFiresSessionDestroyedExactlyOnceAcrossNodesWithAttributesReadable() {
        Browser browser = new Browser();
        browser.get(a.url("/s/cart-add?item=apple"));
        browser.get(b.url("/s/timeout?seconds=1"));
        String id = browser.sessionId();
        clock.advance(Duration.ofSeconds(2)); // past the 1 s timeout
        // Both nodes scavenge until one of them has run the listeners.
        Await.until(Duration.ofSeconds(30), "sessionDestroyed for the expired session", () -> {
            a.manager.scavenge();
            b.manager.scavenge();
            return destroyedEvents(id).size() > 0;
        });
        for (int i = 0; i < 5; i++) {
            a.manager.scavenge();
            b.manager.scavenge();
        }
        List<String> destroyed = destroyedEvents(id);
        assertEquals(1, destroyed.size(), "exactly once cluster-wide: " + destroyed);
        assertTrue(destroyed.get(0).endsWith("cart=[apple]"), "attributes readable in the listener: " + destroyed);
        assertEquals(1, SessionEvents.EVENTS.stream().filter(e -> e.startsWith("created " + id)).count(), "created once");
        assertEquals("no-session", browser.get(a.url("/s/get?name=cart")));
        assertEquals("no-session", browser.get(b.url("/s/get?name=cart")));
    }

    @Test
    void invalidateOnOneNodeDestroysOnceAndEverywhere() {
        Browser browser = new Browser();
        browser.get(a.url("/s/cart-add?item=apple"));
        String id = browser.sessionId();
        browser.get(b.url("/s/invalidate"));
        assertEquals(List.of("destroyed " + id + ".b b cart=[apple]"), destroyedEvents(id));
        assertEquals("no-session", browser.get(a.url("/s/get?name=cart")));
        a.manager.scavenge();
        b.manager.scavenge();
        assertEquals(1, destroyedEvents(id).size());
    }

    @Test
    void changeSessionIdWorksAcrossNodes() {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        String oldCookie = browser.cookie;
        String newId = browser.get(a.url("/s/change-id"));
        assertNotEquals(oldCookie, newId);
        assertEquals(newId, browser.cookie, "Tomcat sets the new cookie");
        assertEquals("alice", browser.get(b.url("/s/get?name=user")));
        assertEquals("no-session", new Browser(oldCookie).get(b.url("/s/get?name=user")), "the old id is dead");
        assertEquals("no-session", new Browser(oldCookie).get(a.url("/s/get?name=user")));
    }

    @Test
    void authenticatedUserSurvivesANodeSwitch() {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=cart&value=x"));
        String before = browser.cookie;
        assertEquals("alice", browser.get(a.url("/s/login?user=alice&password=wonderland")));
        assertNotEquals(before, browser.cookie, "changeSessionIdOnAuthentication gave a new id");
        assertEquals("alice admin=true", browser.get(b.url("/s/user")), "principal and roles rebuilt on b");
        assertEquals("alice admin=true", browser.get(a.url("/s/user")));
        assertEquals("[cart]", browser.get(b.url("/s/names")), "the principal is not a visible attribute");
        assertEquals("anonymous", new Browser(before).get(b.url("/s/user")), "the pre-login id is dead");
    }

    @Test
    void redisCommandsPerRequest() {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        browser.get(b.url("/s/get?name=user")); // warm-up: loads the scripts on b's connection
        browser.get(b.url("/s/set?name=warm&value=up"));
        // Past the 5 s for which a node's cluster figures are fresh: a request must not refresh them
        // (Tomcat reads the Manager's activeSessions when it registers a session object).
        clock.advance(Duration.ofSeconds(6));
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            monitor.clear();
            assertEquals("alice", browser.get(b.url("/s/get?name=user")));
            List<String> read = monitor.clientCommands();
            System.out.println("[lanyard] read-only request, commands sent: " + read.size() + " " + read);
            assertEquals(1, read.size(), read.toString());

            monitor.clear();
            assertEquals("ok", browser.get(b.url("/s/set?name=user&value=bob")));
            List<String> write = monitor.clientCommands();
            System.out.println("[lanyard] writing request, commands sent: " + write.size() + " " + write);
            assertEquals(2, write.size(), write.toString());

            monitor.clear();
            browser.get(b.url("/s/cart-add?item=x"));
            browser.get(a.url("/s/cart-add?item=y")); // in-place mutation: still load + save
            monitor.clear();
            browser.get(a.url("/s/cart-add?item=z"));
            List<String> inPlace = monitor.clientCommands();
            assertEquals(2, inPlace.size(), inPlace.toString());

            // Tomcat's authenticator (always installed, cache=true) looks up the session of every
            // request that carries a session cookie, so even a request whose servlet ignores the
            // session costs the one load; it never costs a save.
            monitor.clear();
            HttpResponse<String> noSessionUse = new Browser(browser.cookie).send(a.url("/s/unknown-op"));
            assertEquals(404, noSessionUse.statusCode());
            assertEquals(1, monitor.clientCommands().size(), monitor.clientCommands().toString());
            monitor.clear();
            assertEquals(404, new Browser().send(a.url("/s/unknown-op")).statusCode());
            assertEquals(List.of(), monitor.clientCommands(), "no cookie, no session use: nothing sent");
        }
    }

    @Test
    void redisDownAnswers503FastThenRecovers() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        redis.kill();
        try {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                HttpResponse<String> r = browser.send(a.url("/s/get?name=user"));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("Redis"), r.body());
                assertFalse(r.body().contains("Exception"), "no stack trace: " + r.body());
                assertTrue(millis < 5000, "503 took " + millis + " ms");
            }
            assertEquals(503, new Browser().send(b.url("/s/create")).statusCode());
            assertEquals("anonymous", new Browser().get(b.url("/s/user")), "requests without a session still work");
        } finally {
            redis.restart();
        }
        // The restarted Redis is empty (no persistence): the old session is gone, new ones work.
        Await.until(Duration.ofSeconds(30), "node a recovers", () -> browser.send(a.url("/s/get?name=user")).statusCode() == 200);
        Browser fresh = new Browser();
        Await.until(Duration.ofSeconds(30), "node b recovers", () -> fresh.send(b.url("/s/set?name=user&value=carol")).statusCode() == 200);
        assertEquals("carol", fresh.get(a.url("/s/get?name=user")));
    }

    @Test
    void jmxShowsMetricsAndMaskedSettings() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        browser.get(a.url("/s/get?name=user"));
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("node-a:type=LanyardSessionStore,host=localhost,context=/app");
        assertEquals(name, a.manager.getStoreObjectName());
        assertTrue((Long) server.getAttribute(name, "Loads") >= 1);
        assertTrue((Long) server.getAttribute(name, "Saves") >= 1);
        assertEquals(redis.uri(), server.getAttribute(name, "RedisUri"));
        TabularData settings = (TabularData) server.getAttribute(name, "Settings");
        CompositeData password = settings.get(new Object[]{"trustStorePassword"});
        assertNotNull(password);
        assertEquals("****", password.get("value"));
        assertFalse(settings.toString().contains("s3cret"));
        ObjectName managerBean = new ObjectName("node-a:type=Manager,host=localhost,context=/app");
        assertThrows(javax.management.AttributeNotFoundException.class, () -> server.getAttribute(managerBean, "trustStorePassword"),
                "Tomcat's Manager bean shows no settings, so no password either");
        a.close();
        assertFalse(server.isRegistered(name), "unregistered at stop");
        a = null;
    }

    @Test
    void errorPageThatCreatesASessionIsSavedAndNothingIsLeft() {
        Browser browser = new Browser();
        HttpResponse<String> r = browser.send(a.url("/s/error?code=410"));
        assertEquals(410, r.statusCode());
        assertEquals("error page 410", r.body());
        assertNotNull(browser.cookie, "the error page created a session");
        // Tomcat closes the response at the end of the error page's forward, just before
        // requestDestroyed (where Lanyard saves): poll.
        Await.until(Duration.ofSeconds(30), "no holder left behind", () -> a.sessionsInUse() == 0);
        Await.until(Duration.ofSeconds(30), "saved to Redis", () -> "410".equals(browser.get(b.url("/s/get?name=errorPage"))));

        // An existing session changed by the error page, on the other node.
        browser.get(b.url("/s/set?name=errorPage&value=none"));
        assertEquals(410, browser.send(b.url("/s/error?code=410")).statusCode());
        Await.until(Duration.ofSeconds(30), "no holder left behind", () -> b.sessionsInUse() == 0);
        Await.until(Duration.ofSeconds(30), "change saved", () -> "410".equals(browser.get(a.url("/s/get?name=errorPage"))));
    }

    @Test
    void sessionUsedInAnApplicationsRequestDestroyedIsSavedAndNotLeaked() {
        // Existing session: the application's listener runs after Lanyard's close (written through).
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        assertEquals("alice", browser.get(a.url("/s/get?name=user&inDestroy=one")));
        Await.until(Duration.ofSeconds(30), "change in requestDestroyed saved", () -> "one".equals(browser.get(b.url("/s/get?name=inDestroy"))));
        // No session yet: created in requestDestroyed, after the request scope ended.
        Browser fresh = new Browser();
        assertEquals("anonymous", fresh.get(a.url("/s/user?inDestroy=two")));
        assertNotNull(fresh.cookie);
        Await.until(Duration.ofSeconds(30), "no holder left behind", () -> a.sessionsInUse() == 0);
        assertEquals("two", fresh.get(b.url("/s/get?name=inDestroy")));
    }

    @Test
    void asyncRequestSavesOnCompletionAndLeavesNothing() {
        Browser browser = new Browser();
        assertEquals("ok", browser.get(a.url("/s/async-set?name=user&value=alice")));
        assertEquals(0, a.sessionsInUse());
        assertEquals("alice", browser.get(b.url("/s/get?name=user")));
        assertEquals("ok", browser.get(b.url("/s/async-set?name=user&value=bob")));
        assertEquals(0, b.sessionsInUse());
        assertEquals("bob", browser.get(a.url("/s/get?name=user")));
    }

    @Test
    void saveFailureIsNeverSilent() throws Exception {
        EmbeddedNode small = new EmbeddedNode("c", redis.uri(), m -> m.setProperty("maxSessionBytes", "4096"));
        // The core's failure policy logs lost saves (the same on both containers).
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.lanyard.core.RedisSessionStore");
        List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                        && r.getMessage().contains("after the response was committed")) {
                    warnings.add(r);
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        };
        logger.addHandler(capture);
        try {
            Browser browser = new Browser();
            browser.get(small.url("/s/set?name=user&value=alice"));
            // Not committed yet: the client is told.
            HttpResponse<String> refused = browser.send(small.url("/s/big?chars=10000"));
            assertEquals(500, refused.statusCode(), refused.body());
            assertEquals(0, small.lostSaves());
            // Committed before the save: counted and logged, once per cause (rate limited).
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> committed = browser.send(small.url("/s/big?chars=10000&flush=true"));
                assertEquals(200, committed.statusCode());
            }
            assertEquals(3, small.lostSaves());
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            assertEquals(3L, server.getAttribute(small.manager.getStoreObjectName(), "LostSaves"));
            assertEquals(1, warnings.size(), warnings.stream().map(java.util.logging.LogRecord::getMessage).toList().toString());
            assertTrue(warnings.get(0).getMessage().contains("SessionTooLargeException"), warnings.get(0).getMessage());
            assertEquals(0, small.sessionsInUse());
            assertEquals("alice", browser.get(small.url("/s/get?name=user")), "nothing half-written");
        } finally {
            logger.removeHandler(capture);
            small.close();
        }
    }

    @Test
    void multipleSessionCookiesWithRedisDownAnswer503() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/set?name=user&value=alice"));
        String other = "A".repeat(32);
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(a.url("/s/get?name=user")))
                .header("Cookie", "JSESSIONID=" + other + "; JSESSIONID=" + browser.cookie).build();
        assertEquals("alice", client.send(request, HttpResponse.BodyHandlers.ofString()).body(), "the valid cookie wins");
        redis.kill();
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode(), r.body());
            assertFalse(r.body().contains("Exception"), r.body());
        } finally {
            redis.restart();
        }
    }

    /** Starts a request on node a that holds the browser's session until RELEASE_HOLD opens; returns once it does. */
    private Future<String> holdSessionOnA(Browser browser, ExecutorService pool) throws InterruptedException {
        SessionServlet.HOLDING = new java.util.concurrent.CountDownLatch(1);
        SessionServlet.RELEASE_HOLD = new java.util.concurrent.CountDownLatch(1);
        Future<String> held = pool.submit(() -> browser.get(a.url("/s/hold")));
        assertTrue(SessionServlet.HOLDING.await(30, TimeUnit.SECONDS), "a request holds the session on a");
        return held;
    }

    @Test
    void scavengerExpiringASessionKeepsTheLiveObjectOfAnInFlightRequest() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/timeout?seconds=1"));
        String id = browser.sessionId();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> held = holdSessionOnA(browser, pool);
            assertEquals(1, a.sessionsInUse());
            clock.advance(Duration.ofSeconds(2)); // past the 1 s timeout while the request holds the session
            // Node a (which holds the live object) claims the expired session and expires a copy.
            Await.until(Duration.ofSeconds(30), "the session expires in Redis while the request holds it", () -> {
                a.manager.scavenge();
                return !destroyedEvents(id).isEmpty();
            });
            assertEquals(1, a.sessionsInUse(), "the in-flight request still holds its session");
            SessionServlet.RELEASE_HOLD.countDown();
            assertEquals("held", held.get(60, TimeUnit.SECONDS));
            assertEquals(0, a.sessionsInUse());
        } finally {
            SessionServlet.RELEASE_HOLD.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aChangeIsVisibleOnTheOtherNodeWhileALongRequestOfTheSameSessionStillRuns() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/create"));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> held = holdSessionOnA(browser, pool); // a long poll, a download
            assertEquals("ok", browser.get(a.url("/s/set?name=cart&value=3-items"))); // another tab, same node
            assertEquals("3-items", browser.get(b.url("/s/get?name=cart")), "the next request, on the other node");
            SessionServlet.RELEASE_HOLD.countDown();
            assertEquals("held", held.get(60, TimeUnit.SECONDS));
            assertEquals("3-items", browser.get(b.url("/s/get?name=cart")));
            assertEquals(0, a.sessionsInUse());
        } finally {
            SessionServlet.RELEASE_HOLD.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * A request that joins a session held for long on the same node (a long poll) shares its load,
     * so that load's touch did not write its access: its own save does, once past the touch
     * interval (auto: 60 s for the 30 min timeout), so the session cannot expire less than
     * maxInactive after it. Written when the joiner leaves, not when the long request does, which
     * may outlive the joiner's timeout. A joiner within the interval of what Redis holds sends nothing.
     */
    @Test
    void aRequestJoiningALongHeldSessionAfterTheTouchIntervalWritesItsAccess() throws Exception {
        Browser browser = new Browser();
        browser.get(a.url("/s/create"));
        clock.advance(Duration.ofSeconds(61));
        browser.get(a.url("/s/get?name=x")); // warm-up: load and touch scripts loaded on a's connection
        String key = "lanyard:app:s:{" + browser.sessionId() + "}";
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Jedis jedis = redis.jedis(); RedisMonitor monitor = RedisMonitor.start(redis)) {
            Future<String> held = holdSessionOnA(browser, pool);
            clock.advance(Duration.ofSeconds(1));
            monitor.clear();
            assertEquals("null", browser.get(a.url("/s/get?name=x")));
            assertEquals(List.of(), monitor.clientCommands(), "a read-only joiner within the touch interval sends nothing");

            clock.advance(Duration.ofSeconds(61)); // past the touch interval, the long request still running
            long joinedAt = clock.millis();
            monitor.clear();
            assertEquals("null", browser.get(a.url("/s/get?name=x")));
            List<String> joined = monitor.clientCommands();
            assertEquals(1, joined.size(), "one write of the joiner's access: " + joined);
            assertEquals(joinedAt, Long.parseLong(jedis.hget(key, "accessed")), "Redis holds the joiner's access");
            long expiry = Long.parseLong(jedis.hget(key, "expiry"));
            assertTrue(expiry >= joinedAt + 1_800_000, "expiry " + expiry + " covers maxInactive after the joiner's access " + joinedAt);
            assertTrue(jedis.pttl(key) >= 1_800_000, "the TTL follows the expiry");

            clock.advance(Duration.ofSeconds(1));
            monitor.clear();
            assertEquals("null", browser.get(a.url("/s/get?name=x")));
            assertEquals(List.of(), monitor.clientCommands(), "a joiner within the interval of the written access sends nothing");

            clock.advance(Duration.ofSeconds(61)); // a writing joiner: its save carries the access, no extra command
            long writtenAt = clock.millis();
            monitor.clear();
            assertEquals("ok", browser.get(a.url("/s/set?name=y&value=1")));
            List<String> write = monitor.clientCommands();
            assertEquals(1, write.size(), "the save only: " + write);
            assertEquals(writtenAt, Long.parseLong(jedis.hget(key, "accessed")));
            expiry = Long.parseLong(jedis.hget(key, "expiry"));
            assertTrue(expiry >= writtenAt + 1_800_000, "expiry " + expiry + " covers maxInactive after " + writtenAt);

            SessionServlet.RELEASE_HOLD.countDown();
            assertEquals("held", held.get(60, TimeUnit.SECONDS));
            assertEquals(writtenAt, Long.parseLong(jedis.hget(key, "accessed")), "the long request's save keeps the later access");
            assertEquals(expiry, Long.parseLong(jedis.hget(key, "expiry")));
        } finally {
            SessionServlet.RELEASE_HOLD.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCreationWithTheSameIdSharesOneObject() {
        String id = "sharedclientid0123456789";
        org.apache.catalina.Session first = a.manager.createSession(id);
        first.getSession().setAttribute("first", "1");
        org.apache.catalina.Session second = a.manager.createSession(id);
        assertTrue(first == second, "the second creation must not replace the first one's session");
        second.getSession().setAttribute("second", "2");
        assertEquals(1, a.sessionsInUse());
        second.endAccess(); // what Tomcat does when it recycles the creating request
        first.endAccess();
        assertEquals(0, a.sessionsInUse());
        assertEquals("[first, second]", new Browser(id).get(b.url("/s/names")));
    }

    private static List<String> destroyedEvents(String id) {
        return SessionEvents.EVENTS.stream().filter(e -> e.startsWith("destroyed " + id)).toList();
    }

    private static long field(String info, String name) {
        for (String part : info.split(" ")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not in " + info);
    }
}
