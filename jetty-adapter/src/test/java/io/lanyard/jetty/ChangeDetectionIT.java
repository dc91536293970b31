package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.CountingList;
import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a Jetty request costs the store: Jetty stores a session at response commit and again when
 * the request ends; the second store compares nothing that was not read again, attributes are
 * decoded only when read, and a read-only request sends one read-only command and writes nothing.
 */
class ChangeDetectionIT {
    private RedisServer redis;
    private JettyNode node;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        node = JettyNode.start("A", redis.uri(), f -> f.set("allowedClasses", "io.lanyard.jetty.testapp.CountingList"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            node.close();
        } finally {
            redis.close();
        }
    }

    private static long redisChanges(RedisServer redis) {
        return redis.call(j -> {
            for (String line : j.info("persistence").split("\r?\n")) {
                if (line.startsWith("rdb_changes_since_last_save:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            throw new AssertionError("no rdb_changes_since_last_save");
        });
    }

    @Test
    void aMutableAttributeReadByARequestIsComparedOnceNotAtBothStores() throws Exception {
        String cookie = node.get("op=create&name=user&value=alice", null).setCookie();
        // The request that sets the list encodes it exactly once (Kryo iterates a collection more
        // than once per encoding): the unit of the counts below.
        int start = CountingList.ITERATIONS.get();
        assertEquals("1", node.get("op=tally&value=x", cookie).body());
        int perEncoding = CountingList.ITERATIONS.get() - start;
        assertTrue(perEncoding > 0, "encoded when set");
        for (int i = 0; i < 3; i++) {
            int before = CountingList.ITERATIONS.get();
            assertEquals("1", node.get("op=tally", cookie).body());
            assertEquals(perEncoding, CountingList.ITERATIONS.get() - before, "one change detection per request (Jetty stores twice)");
        }
        int before = CountingList.ITERATIONS.get();
        assertEquals("alice", node.get("op=get&name=user", cookie).body());
        assertEquals(0, CountingList.ITERATIONS.get() - before, "an attribute the request did not read is not compared");
    }

    @Test
    void aNewSessionIsStoredOnceThoughJettyStoresAtCommitAndAtTheEnd() throws Exception {
        node.context.getSessionHandler().setMaxInactiveInterval(1800);
        node.get("op=create&name=user&value=alice", null); // scripts loaded
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            mon.clear();
            node.get("op=create&name=user&value=bob", null);
            List<String> sent = mon.clientCommands();
            assertEquals(2, sent.size(), "the expiry index entry, then the hash: " + sent);
            assertTrue(sent.get(0).contains("\"ZADD\"") && sent.get(1).contains("\"create\""), sent.toString());
        }
    }

    @Test
    void readOnlyRequestsSendOneReadOnlyCommandAndWriteNothing() throws Exception {
        String cookie = node.get("op=create&name=user&value=alice", null).setCookie();
        node.get("op=tally&value=x", cookie);
        node.get("op=tally", cookie); // the touch after Jetty's own metadata write (see TouchPolicy), scripts loaded
        long changes = redisChanges(redis);
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            for (int i = 0; i < 10; i++) {
                assertEquals("1", node.get("op=tally", cookie).body());
                assertEquals("alice", node.get("op=get&name=user", cookie).body());
            }
            List<String> sent = mon.clientCommands();
            assertEquals(20, sent.size(), "one command per request: " + sent);
            assertTrue(sent.stream().allMatch(l -> l.contains("\"EVALSHA_RO\"")), sent.toString());
        }
        assertEquals(0, redisChanges(redis) - changes, "Redis's change counter: no write for 20 read-only requests");
    }

    /**
     * Two read-only requests of one session overlap on a node: they share one load, and Jetty's
     * access of the later one moves the shared times. Neither store writes anything: Jetty's own
     * accesses are not metadata "given" to persist (the load recorded the access).
     */
    @Test
    void overlappingReadOnlyRequestsWriteNothing() throws Exception {
        String cookie = node.get("op=create&name=user&value=alice", null).setCookie();
        node.get("op=get&name=user", cookie);
        node.get("op=get&name=user", cookie); // the touch after Jetty's own metadata write, scripts loaded
        SessionServlet.held = new CountDownLatch(1);
        SessionServlet.release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<JettyNode.Reply> first = pool.submit(() -> node.get("op=hold-read&name=user", cookie));
            assertTrue(SessionServlet.held.await(30, TimeUnit.SECONDS), "the first request holds the session");
            long changes = redisChanges(redis);
            try (RedisMonitor mon = RedisMonitor.start(redis)) {
                assertEquals("alice", node.get("op=get&name=user", cookie).body(), "the second request, while the first runs");
                SessionServlet.release.countDown();
                assertEquals("alice", first.get(60, TimeUnit.SECONDS).body());
                assertEquals(List.of(), mon.clientCommands(), "both loaded before: nothing more to send");
            }
            assertEquals(0, redisChanges(redis) - changes, "Redis's change counter: no write");
        } finally {
            SessionServlet.release.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * A request that joins a session another request holds for long (a long poll), after the
     * touch interval, shares the old load: the store when the last of them leaves must write the
     * joining request's access (at most once per interval), or the session would expire
     * maxInactive after that load although the user was still using it.
     */
    @Test
    void aRequestJoiningALongHeldSessionAfterTheTouchIntervalWritesItsAccess() throws Exception {
        try (JettyNode b = JettyNode.start("B", redis.uri(), f -> f.set("touchIntervalSeconds", "1"))) {
            String cookie = b.get("op=create&name=user&value=alice", null).setCookie();
            String key = b.store().getStore().sessionKey(cookie.substring(0, cookie.indexOf('.')));
            b.get("op=ttl&value=1800", cookie); // embedded Jetty's sessions never expire by default
            SessionServlet.held = new CountDownLatch(1);
            SessionServlet.release = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<JettyNode.Reply> first = pool.submit(() -> b.get("op=hold-read&name=user", cookie));
                assertTrue(SessionServlet.held.await(30, TimeUnit.SECONDS), "the first request holds the session");
                long held = Long.parseLong(redis.call(j -> j.hget(key, "accessed")));
                Await.until(Duration.ofSeconds(30), "the touch interval passed", () -> System.currentTimeMillis() > held + 1_500);
                long joined = System.currentTimeMillis();
                assertEquals("alice", b.get("op=get&name=user", cookie).body(), "the joining request");
                // Jetty defers a store of times only until the last request of the session leaves,
                // and stores them when that request completes, which may be after its client has the
                // response: polled.
                SessionServlet.release.countDown();
                assertEquals("alice", first.get(60, TimeUnit.SECONDS).body());
                Await.until(Duration.ofSeconds(30), "Redis holds the joining request's access",
                        () -> Long.parseLong(redis.call(j -> j.hget(key, "accessed"))) >= joined - 50);
                long expiry = Long.parseLong(redis.call(j -> j.hget(key, "expiry")));
                int maxInactive = Integer.parseInt(redis.call(j -> j.hget(key, "maxInactive")));
                assertTrue(expiry >= joined + maxInactive * 1000L, "and an expiry a full timeout after it: " + expiry);
            } finally {
                SessionServlet.release.countDown();
                pool.shutdownNow();
            }
        }
    }
}
