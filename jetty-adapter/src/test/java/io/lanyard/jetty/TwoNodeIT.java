package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two embedded Jetty nodes, one Redis, no stickiness: every request may land on either node. */
class TwoNodeIT {
    private RedisServer redis;
    private JettyNode a;
    private JettyNode b;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (JettyNode n : new JettyNode[]{a, b}) {
            if (n != null) {
                n.close();
            }
        }
        redis.close();
    }

    private void startNodes(int scavengeSeconds, int leaseSeconds, int graceSeconds) throws Exception {
        startNodes(scavengeSeconds, leaseSeconds, graceSeconds, Clock.systemUTC());
    }

    /** Both nodes' stores on {@code clock}. */
    private void startNodes(int scavengeSeconds, int leaseSeconds, int graceSeconds, Clock clock) throws Exception {
        a = JettyNode.start("A", redis.uri(), f -> tune(f, scavengeSeconds, leaseSeconds, graceSeconds), clock);
        b = JettyNode.start("B", redis.uri(), f -> tune(f, scavengeSeconds, leaseSeconds, graceSeconds), clock);
    }

    private static void tune(RedisSessionDataStoreFactory f, int scavenge, int lease, int grace) {
        f.set("scavengeIntervalSeconds", scavenge);
        f.set("claimLeaseSeconds", lease);
        f.set("gracePeriodSeconds", grace);
    }

    private static String sessionCookie(JettyNode.Reply created) {
        assertEquals(200, created.status(), created.body());
        assertNotNull(created.setCookie(), "a new session sets JSESSIONID");
        return created.setCookie();
    }

    @Test
    void sessionCreatedOnAIsUsedOnBAndBack() throws Exception {
        startNodes(30, 60, 300);
        String cookie = sessionCookie(a.get("op=create&name=user&value=alice", null));
        assertTrue(cookie.endsWith(".node0"), "Jetty's cookie carries the worker suffix: " + cookie);
        assertEquals("alice", b.get("op=get&name=user", cookie).body());
        assertEquals("ok", b.get("op=set&name=theme&value=dark", cookie).body());
        assertEquals("dark", a.get("op=get&name=theme", cookie).body());
        // The stored id is the part before the dot: the same key a Tomcat node uses.
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertTrue(redis.exists("lanyard:shop:s:{" + id + "}"), "stored under the id before the dot");
    }

    @Test
    void inPlaceMutationIsSaved() throws Exception {
        startNodes(30, 60, 300);
        String cookie = sessionCookie(a.get("op=create", null));
        assertEquals("[apple]", a.get("op=cart&value=apple", cookie).body());
        assertEquals("[apple, pear]", b.get("op=cart&value=pear", cookie).body());
        assertEquals("[apple, pear, fig]", a.get("op=cart&value=fig", cookie).body());
        assertEquals("[apple, pear, fig]", b.get("op=get&name=cart", cookie).body());
    }

    @Test
    void concurrentDistinctAttributesSurvive() throws Exception {
        startNodes(30, 60, 300);
        String cookie = sessionCookie(a.get("op=create", null));
        int n = 20;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JettyNode.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                JettyNode node = i % 2 == 0 ? a : b;
                String q = "op=set&name=k" + i + "&value=v" + i;
                replies.add(pool.submit(() -> node.get(q, cookie)));
            }
            for (Future<JettyNode.Reply> f : replies) {
                assertEquals("ok", f.get(60, TimeUnit.SECONDS).body());
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < n; i++) {
            assertEquals("v" + i, (i % 2 == 0 ? b : a).get("op=get&name=k" + i, cookie).body(), "k" + i);
        }
    }

    @Test
    void expiryFiresSessionDestroyedOnceAcrossBothNodes() throws Exception {
        MutableClock clock = MutableClock.now();
        startNodes(1, 5, 10, clock); // each node's own passes, a second apart, race for the session
        SessionServlet.DESTROYED.clear();
        String cookie = sessionCookie(a.get("op=create&name=user&value=alice", null));
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertEquals("ok", b.get("op=ttl&value=2", cookie).body());
        // Well past the 2 s timeout (Jetty stamps its own access times with the real clock).
        clock.advance(Duration.ofSeconds(120));
        String key = "lanyard:shop:s:{" + id + "}";
        Await.until(Duration.ofSeconds(60), "sessionDestroyed ran", () -> SessionServlet.DESTROYED.stream().anyMatch(d -> d.contains(":" + id + ":")));
        // Done when the session and its index entry are gone: nothing is left that could fire again.
        Await.until(Duration.ofSeconds(30), "the hash is deleted", () -> !redis.exists(key));
        Await.until(Duration.ofSeconds(30), "the index entry is removed", () -> indexCount(id) == 0);
        List<String> fired = SessionServlet.DESTROYED.stream().filter(d -> d.contains(":" + id + ":")).toList();
        assertEquals(1, fired.size(), "sessionDestroyed calls: " + fired);
        assertTrue(fired.get(0).endsWith(":alice"), "attributes readable in the listener: " + fired);
        assertEquals(404, a.get("op=get&name=user", cookie).status());
    }

    @Test
    void oneCommandPerReadOnlyRequestTwoPerWritingRequest() throws Exception {
        startNodes(300, 60, 700); // no scavenger run during the measurement
        String cookie = sessionCookie(a.get("op=create&name=user&value=alice", null));
        for (int i = 0; i < 3; i++) { // warm-up: scripts loaded, connections open, on both nodes
            a.get("op=get&name=user", cookie);
            b.get("op=get&name=user", cookie);
            a.get("op=set&name=n&value=" + i, cookie);
            b.get("op=set&name=n&value=x" + i, cookie);
        }
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            mon.clear();
            assertEquals("alice", b.get("op=get&name=user", cookie).body());
            List<String> read = mon.clientCommands();
            mon.clear();
            assertEquals("ok", a.get("op=set&name=theme&value=dark", cookie).body());
            List<String> write = mon.clientCommands();
            mon.clear();
            assertEquals("[apple]", b.get("op=cart&value=apple", cookie).body());
            assertEquals("[apple, pear]", a.get("op=cart&value=pear", cookie).body()); // in place
            List<String> inPlace = mon.clientCommands();
            System.out.println("[lanyard] Redis commands: read-only request=" + read.size() + ", writing request="
                    + write.size() + ", in-place mutation request=" + (inPlace.size() / 2.0));
            assertEquals(1, read.size(), "read-only request: " + read);
            assertEquals(2, write.size(), "writing request: " + write);
            assertEquals(4, inPlace.size(), "two writing requests: " + inPlace);
        }
    }

    /** In how many expiry index shards the id has an entry. */
    private int indexCount(String id) {
        return redis.call(j -> {
            int n = 0;
            for (int shard = 0; shard < 16; shard++) {
                if (j.zscore("lanyard:shop:expiry:" + shard, id) != null) {
                    n++;
                }
            }
            return n;
        });
    }
}
