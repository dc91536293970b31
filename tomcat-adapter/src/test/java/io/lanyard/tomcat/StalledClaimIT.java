package io.lanyard.tomcat;

import io.lanyard.testapp.SessionEvents;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisServer;
import io.lanyard.testsupport.StallingClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once expiry when the claiming node stalls past its lease: node a claims the expired
 * session and then stalls (its clock blocks its expiry thread right after the claim, as a long GC
 * pause would) while node b's time moves past the lease; b claims again and fires. When a
 * resumes (while the other node's listener still runs, the hash still there), more than half
 * its lease has passed since its claim, so it must not fire.
 */
class StalledClaimIT {
    private static final int LEASE_SECONDS = 5;

    private RedisServer redis;
    private EmbeddedNode a;
    private EmbeddedNode b;

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() throws Exception {
        SessionEvents.afterDestroyed = () -> { };
        for (EmbeddedNode n : new EmbeddedNode[]{a, b}) {
            if (n != null) {
                n.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aStalledClaimantDoesNotFireWhatAnotherNodeReclaimedAndFired() throws Exception {
        redis = RedisServer.start();
        long t0 = System.currentTimeMillis();
        StallingClock clockA = new StallingClock(t0);
        MutableClock clockB = new MutableClock(t0);
        a = new EmbeddedNode("a", redis.uri(), m -> {
            m.setClock(clockA);
            m.setProperty("expiryShards", "1"); // one claim per pass, so the stall comes right after it
        });
        b = new EmbeddedNode("b", redis.uri(), m -> {
            m.setClock(clockB);
            m.setProperty("expiryShards", "1");
        });
        SessionEvents.EVENTS.clear();
        Browser browser = new Browser();
        browser.get(a.url("/s/cart-add?item=apple"));
        browser.get(a.url("/s/timeout?seconds=60"));
        String id = browser.sessionId();
        // Well past the 60 s timeout (Jetty stamps its own access times with the real clock).
        clockA.advance(Duration.ofSeconds(120));
        clockB.advance(Duration.ofSeconds(120));

        AtomicInteger firedByA = new AtomicInteger(-1);
        Thread passOnA = new Thread(() -> firedByA.set(a.manager.scavenge()), "pass-on-a");
        clockA.stallAfter(passOnA, 1); // read 1: the claim time; read 2 (the half-lease check) stalls
        passOnA.start();
        assertTrue(clockA.awaitStalled(), "node a claimed the session and stalled before firing it");

        clockB.advance(Duration.ofSeconds(LEASE_SECONDS + 1)); // a's lease has run out by b's time
        AtomicInteger firedByB = new AtomicInteger(-1);
        CountDownLatch inListenerOnB = new CountDownLatch(1);
        CountDownLatch releaseB = new CountDownLatch(1);
        Thread passOnB = new Thread(() -> firedByB.set(b.manager.scavenge()), "pass-on-b");
        SessionEvents.afterDestroyed = () -> {
            if (Thread.currentThread() == passOnB) {
                inListenerOnB.countDown();
                await(releaseB);
            }
        };
        passOnB.start();
        assertTrue(inListenerOnB.await(30, TimeUnit.SECONDS), "node b claimed the session again and runs its listener");

        // a resumes while b's listener still runs (the hash is still there): its pause was as long.
        clockA.advance(Duration.ofSeconds(LEASE_SECONDS + 1));
        clockA.resume();
        passOnA.join(30_000);
        releaseB.countDown();
        passOnB.join(30_000);
        assertEquals(1, firedByB.get(), "node b fired it");
        assertEquals(0, firedByA.get(), "node a, past half its lease, leaves the session alone");

        List<String> destroyed = SessionEvents.EVENTS.stream().filter(e -> e.startsWith("destroyed " + id)).toList();
        assertEquals(1, destroyed.size(), "sessionDestroyed exactly once cluster-wide: " + destroyed);
        assertTrue(destroyed.get(0).startsWith("destroyed " + id + ".b b "), "fired on b: " + destroyed);
        assertTrue(destroyed.get(0).endsWith("cart=[apple]"), "attributes readable in the listener: " + destroyed);
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertFalse(jedis.exists("lanyard:app:s:{" + id + "}"), "deleted after the listener");
        }
    }
}
