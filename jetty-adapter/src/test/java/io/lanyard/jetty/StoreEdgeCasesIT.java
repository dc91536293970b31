package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Expiry on the request path, expiry events, failed renames and the note of a failed load. */
class StoreEdgeCasesIT {
    private RedisServer redis;
    private JettyNode a;
    private JettyNode b;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        SessionServlet.held = new CountDownLatch(1);
        SessionServlet.release = new CountDownLatch(1);
    }

    @AfterEach
    void stop() throws Exception {
        SessionServlet.release.countDown();
        SessionServlet.onDestroyed = id -> { };
        pool.shutdownNow();
        try {
            for (JettyNode n : new JettyNode[]{a, b}) {
                if (n != null) {
                    n.close();
                }
            }
        } finally {
            redis.close();
        }
    }

    private static JettyNode node(String name, RedisServer redis, int scavenge, int lease, int grace) throws Exception {
        return node(name, redis, scavenge, lease, grace, Clock.systemUTC());
    }

    /** A node whose store runs on {@code clock}. */
    private static JettyNode node(String name, RedisServer redis, int scavenge, int lease, int grace, Clock clock)
            throws Exception {
        return JettyNode.start(name, redis.uri(), f -> {
            f.set("scavengeIntervalSeconds", scavenge);
            f.set("claimLeaseSeconds", lease);
            f.set("gracePeriodSeconds", grace);
            f.set("maxSessionBytes", 4096);
        }, clock);
    }

    private static String create(JettyNode n) throws Exception {
        JettyNode.Reply r = n.get("op=create&name=user&value=alice", null);
        assertEquals(200, r.status(), r.body());
        assertNotNull(r.setCookie());
        return r.setCookie();
    }

    private static String id(String cookie) {
        return cookie.substring(0, cookie.indexOf('.'));
    }

    /**
     * Security review: Jetty loads the session of each JSESSIONID cookie of a request in turn, so
     * 100 cookies cost 100 Redis commands. Now at most a few per request, and the next request
     * counts from 0.
     */
    @Test
    void manySessionCookiesCostAFewLoadsNotOneEach() throws Exception {
        a = node("A", redis, 300, 60, 700);
        String cookie = create(a);
        StringBuilder cookies = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            cookies.append("AAAAAAAAAAAAAAAAAAAAAAAAAAAAA").append(String.format("%03d", i)).append("; JSESSIONID=");
        }
        cookies.append(cookie);
        long before = a.store().getStore().metrics().getRedisCommands();
        assertEquals(404, a.get("op=get&name=user", cookies.toString()).status(), "its first cookies name no session");
        long commands = a.store().getStore().metrics().getRedisCommands() - before;
        assertTrue(commands <= 4 /* SessionIdLookups.PER_REQUEST */ + 1, commands + " Redis commands for 101 session cookies");
        assertEquals("alice", a.get("op=get&name=user", cookie).body(), "the next request loads as usual");
    }

    /** An expired cookie costs the one load command, no claim scan on the request. */
    @Test
    void expiredCookieCostsOneCommandOnTheRequest() throws Exception {
        MutableClock clock = MutableClock.now();
        a = node("A", redis, 300, 60, 700, clock); // no scavenger run during the test
        String cookie = create(a);
        String id = id(cookie);
        a.get("op=get&name=user", cookie); // warm-up: scripts loaded, connections open
        assertEquals("ok", a.get("op=ttl&value=1", cookie).body());
        clock.advance(Duration.ofSeconds(120)); // well past the 1 s timeout (Jetty stamps real access times)
        Await.until(Duration.ofSeconds(30), "the session expired", () -> !a.store().getStore().exists(id));
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            for (int i = 0; i < 2; i++) {
                mon.clear();
                assertEquals(404, a.get("op=get&name=user", cookie).status(), "expired: no session");
                List<String> sent = mon.clientCommands();
                assertEquals(1, sent.size(), "request " + i + " with an expired cookie: " + sent);
            }
        }
        assertTrue(redis.exists("lanyard:shop:s:{" + id + "}"), "left to the scavenger");
    }

    /** The listeners run while the session is still in Redis (deleted after them). */
    @Test
    void expiredSessionIsDeletedOnlyAfterItsListenersRan() throws Exception {
        MutableClock clock = MutableClock.now();
        a = node("A", redis, 1, 5, 10, clock); // the node's own passes, one a second
        String cookie = create(a);
        String id = id(cookie);
        String key = "lanyard:shop:s:{" + id + "}";
        List<Boolean> existsDuringListener = new CopyOnWriteArrayList<>();
        SessionServlet.onDestroyed = sid -> {
            if (sid.equals(id)) {
                existsDuringListener.add(redis.exists(key));
            }
        };
        assertEquals("ok", a.get("op=ttl&value=1", cookie).body());
        clock.advance(Duration.ofSeconds(120)); // well past the 1 s timeout (Jetty stamps real access times)
        Await.until(Duration.ofSeconds(60), "sessionDestroyed ran", () -> !existsDuringListener.isEmpty());
        assertEquals(List.of(true), existsDuringListener, "hash present while sessionDestroyed ran");
        Await.until(Duration.ofSeconds(30), "the hash is deleted", () -> !redis.exists(key));
        assertEquals(1, existsDuringListener.size(), "sessionDestroyed once");
    }

    /**
     * Jetty's orphan sweep ({@code now - 10 x jetty.session.gracePeriod.seconds}, so {@code now} with a
     * zero Jetty grace period) must not delete a just-expired session whose listeners are still due.
     */
    @Test
    void orphanSweepLeavesJustExpiredSessionsToTheirListeners() throws Exception {
        MutableClock clock = MutableClock.now();
        a = node("A", redis, 300, 60, 700, clock); // the test runs the expiry pass
        String cookie = create(a);
        String id = id(cookie);
        String key = "lanyard:shop:s:{" + id + "}";
        List<String> destroyed = new CopyOnWriteArrayList<>();
        SessionServlet.onDestroyed = destroyed::add;
        assertEquals("ok", a.get("op=ttl&value=1", cookie).body());
        clock.advance(Duration.ofSeconds(120)); // well past the 1 s timeout, well within the 700 s grace period
        Await.until(Duration.ofSeconds(30), "the session expired", () -> !a.store().getStore().exists(id)); // the hash stays for the grace period
        a.store().cleanOrphans(clock.millis());
        // Deleted by the sweep, the session would never reach sessionDestroyed.
        assertEquals(1, a.store().doGetExpired(0).size(), "the sweep left the session to the expiry pass");
        Await.until(Duration.ofSeconds(30), "sessionDestroyed ran", () -> destroyed.contains(id));
        Await.until(Duration.ofSeconds(30), "the hash is deleted", () -> !redis.exists(key));
        assertEquals(List.of(id), destroyed, "sessionDestroyed once");
    }

    /** A session invalidated on another node is not reported expired where it is in use. */
    @Test
    void sessionInvalidatedElsewhereIsNotReportedExpired() throws Exception {
        a = node("A", redis, 300, 60, 700);
        b = node("B", redis, 300, 60, 700);
        String cookie = create(a);
        String id = id(cookie);
        Future<JettyNode.Reply> holding = pool.submit(() -> a.get("op=hold&name=k&value=v", cookie));
        assertTrue(SessionServlet.held.await(30, TimeUnit.SECONDS), "request holds the session on A");
        assertEquals("ok", b.get("op=invalidate", cookie).body());
        assertFalse(redis.exists("lanyard:shop:s:{" + id + "}"), "deleted by the invalidation");
        Set<String> expired = a.store().getExpired(Set.of(id));
        assertFalse(expired.contains(id), "invalidated on B, in use on A: not an expiry on A: " + expired);
        SessionServlet.release.countDown();
        assertEquals(200, holding.get(60, TimeUnit.SECONDS).status());
        assertFalse(redis.exists("lanyard:shop:s:{" + id + "}"), "not resurrected");
    }

    /** A change must reach the other node while a long request of the same session still runs on this one. */
    @Test
    void aChangeIsVisibleOnTheOtherNodeWhileALongRequestOfTheSameSessionStillRuns() throws Exception {
        a = node("A", redis, 300, 60, 700);
        b = node("B", redis, 300, 60, 700);
        String cookie = create(a);
        Future<JettyNode.Reply> holding = pool.submit(() -> a.get("op=hold&name=k&value=v", cookie));
        assertTrue(SessionServlet.held.await(30, TimeUnit.SECONDS), "request holds the session on A");
        assertEquals("ok", a.get("op=set&name=cart&value=3-items", cookie).body());
        assertEquals("3-items", b.get("op=get&name=cart", cookie).body(), "the next request, on the other node");
        SessionServlet.release.countDown();
        assertEquals(200, holding.get(60, TimeUnit.SECONDS).status());
        assertEquals("3-items", b.get("op=get&name=cart", cookie).body());
        assertEquals("v", b.get("op=get&name=k", cookie).body());
    }

    /** A rename whose store fails leaves no entry that would swallow a later delete. */
    @Test
    void failedRenameDoesNotSwallowALaterDelete() throws Exception {
        a = node("A", redis, 300, 60, 700);
        String id = id(create(a));
        RedisSessionDataStore store = a.store();
        SessionData data = store.load(id);
        assertNotNull(data);
        data.setAttribute("big", "x".repeat(10_000)); // larger than maxSessionBytes: the move is refused
        String newId = "renamedRenamedRenamed" + id.substring(0, 8);
        data.setId(newId);
        // Refused, and said so to Jetty's renewSessionId (which logs it and stores again later): the
        // session stays under its old id meanwhile.
        assertThrows(io.lanyard.core.LanyardException.class, () -> store.store(newId, data));
        assertTrue(redis.exists("lanyard:shop:s:{" + id + "}"), "old session kept");
        assertTrue(store.delete(id));
        assertFalse(redis.exists("lanyard:shop:s:{" + id + "}"), "a genuine delete deletes");
    }

    /** The note of a failed load names that load's session and counts only for requests begun before it. */
    @Test
    void unavailableNoteNamesTheFailedSession() throws Exception {
        a = node("A", redis, 300, 60, 700);
        String cookie = create(a);
        RedisSessionDataStore store = a.store();
        long requestBegan = System.nanoTime();
        redis.kill();
        try {
            assertNull(store.load(id(cookie)), "reported as no session while Redis is down");
            assertFalse(store.loadFailedSince("someOtherSessionId0123.node0", requestBegan), "another request's id");
            assertTrue(store.loadFailedSince(cookie, requestBegan), "the failed session's own request");
            assertFalse(store.loadFailedSince(cookie, System.nanoTime()), "a later request of that session is not told");
        } finally {
            redis.restart();
        }
    }
}
