package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisServer;
import io.lanyard.testsupport.StallingClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Exactly-once expiry when the claiming node stalls past its lease: node A claims the expired
 * session and then stalls (its clock blocks its expiry thread right after the claim, as a long GC
 * pause would) while node B's time moves past the lease; B claims again and fires. When A
 * resumes (while the other node's listener still runs, the hash still there), more than half
 * its lease has passed since its claim, so it must not fire.
 */
class StalledClaimIT {
    private static final int LEASE_SECONDS = 5;

    private RedisServer redis;
    private JettyNode a;
    private JettyNode b;

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() throws Exception {
        SessionServlet.onDestroyed = sid -> { };
        for (JettyNode n : new JettyNode[]{a, b}) {
            if (n != null) {
                n.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static void tune(RedisSessionDataStoreFactory f) {
        f.set("expiryShards", 1); // one claim per pass, so the stall comes right after it
        f.set("claimLeaseSeconds", LEASE_SECONDS);
        f.set("scavengeIntervalSeconds", 300); // the test runs the passes
        f.set("gracePeriodSeconds", 700);
    }

    @Test
    void aStalledClaimantDoesNotFireWhatAnotherNodeReclaimedAndFired() throws Exception {
        redis = RedisServer.start();
        long t0 = System.currentTimeMillis();
        StallingClock clockA = new StallingClock(t0);
        MutableClock clockB = new MutableClock(t0);
        a = JettyNode.start("A", redis.uri(), StalledClaimIT::tune, clockA);
        b = JettyNode.start("B", redis.uri(), StalledClaimIT::tune, clockB);
        SessionServlet.DESTROYED.clear();
        String cookie = a.get("op=create&name=user&value=alice", null).setCookie();
        assertNotNull(cookie);
        assertEquals("ok", a.get("op=ttl&value=60", cookie).body());
        String id = cookie.substring(0, cookie.indexOf('.'));
        // Well past the 60 s timeout (Jetty stamps its own access times with the real clock).
        clockA.advance(Duration.ofSeconds(120));
        clockB.advance(Duration.ofSeconds(120));

        AtomicInteger firedByA = new AtomicInteger(-1);
        Thread passOnA = new Thread(() -> firedByA.set(a.store().doGetExpired(0).size()), "pass-on-A");
        clockA.stallAfter(passOnA, 1); // read 1: the claim time; read 2 (the half-lease check) stalls
        passOnA.start();
        assertTrue(clockA.awaitStalled(), "node A claimed the session and stalled before firing it");

        clockB.advance(Duration.ofSeconds(LEASE_SECONDS + 1)); // A's lease has run out by B's time
        AtomicInteger firedByB = new AtomicInteger(-1);
        CountDownLatch inListenerOnB = new CountDownLatch(1);
        CountDownLatch releaseB = new CountDownLatch(1);
        Thread passOnB = new Thread(() -> firedByB.set(b.store().doGetExpired(0).size()), "pass-on-B");
        SessionServlet.onDestroyed = sid -> {
            if (Thread.currentThread() == passOnB) {
                inListenerOnB.countDown();
                await(releaseB);
            }
        };
        passOnB.start();
        assertTrue(inListenerOnB.await(30, TimeUnit.SECONDS), "node B claimed the session again and runs its listener");

        // A resumes while B's listener still runs (the hash is still there): its pause was as long.
        clockA.advance(Duration.ofSeconds(LEASE_SECONDS + 1));
        clockA.resume();
        passOnA.join(30_000);
        releaseB.countDown();
        passOnB.join(30_000);
        assertEquals(1, firedByB.get(), "node B fired it");
        assertEquals(0, firedByA.get(), "node A, past half its lease, leaves the session alone");

        List<String> destroyed = SessionServlet.DESTROYED.stream().filter(d -> d.contains(":" + id + ":")).toList();
        assertEquals(List.of("B:" + id + ":alice"), destroyed, "sessionDestroyed exactly once cluster-wide, on B, attributes readable");
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertFalse(jedis.exists("lanyard:shop:s:{" + id + "}"), "deleted after the listener");
        }
    }
}
