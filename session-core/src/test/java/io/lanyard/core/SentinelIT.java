package io.lanyard.core;

import java.time.Clock;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisSentinelGroup;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The store behind Redis Sentinel: a kill -9 of the master is followed without restarting the store. */
class SentinelIT {

    @Test
    void storeFollowsFailoverToThePromotedReplica() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start("lanyard-master")) {
            LanyardSettings settings = new LanyardSettings();
            settings.setRedisUri(group.uri());
            settings.setNodeName("a");
            settings.setConnectTimeoutMillis(1000);
            settings.setReadTimeoutMillis(1000);
            settings.validate("/shop");
            try (RedisSessionStore store = RedisSessionStore.start(settings, getClass().getClassLoader(), Clock.systemUTC())) {
                String id = UUID.randomUUID().toString().replace("-", "");
                SessionRecord s = store.create(id, 1800);
                s.setAttribute("user", "alice");
                s.setAttribute("cart", List.of("sku-1", "sku-2"));
                assertEquals(SaveResult.SAVED, store.save(s));
                assertNotNull(store.load(id));

                RedisServer oldMaster = group.master();
                RedisServer replica = group.dataNodes().stream().filter(n -> n != oldMaster).findFirst().orElseThrow();
                try (Jedis j = oldMaster.jedis()) {
                    assertEquals(1, j.waitReplicas(1, 1000), "the write reached the replica before the kill");
                }

                long killed = System.nanoTime();
                oldMaster.kill();
                AtomicInteger failures = new AtomicInteger();
                SessionRecord again = Await.untilNonNull(Duration.ofSeconds(60),
                        () -> "the store serves the session after the failover; sentinel logs:\n" + group.sentinelLogs(), () -> {
                            long callStart = System.nanoTime();
                            try {
                                SessionRecord loaded = store.load(id);
                                assertNotNull(loaded, "the session was lost in the failover");
                                return loaded;
                            } catch (LanyardException.RedisUnavailableException e) {
                                failures.incrementAndGet();
                                long callMillis = (System.nanoTime() - callStart) / 1_000_000;
                                // A failing call is bounded by the timeouts (1 s connect + 1 s read) plus slack for a loaded machine.
                                assertTrue(callMillis < 4000, "a call during the failover took " + callMillis + " ms");
                                return null;
                            }
                        });
                long recoveredMillis = (System.nanoTime() - killed) / 1_000_000;
                assertEquals("alice", again.getAttribute("user"));
                assertEquals(List.of("sku-1", "sku-2"), again.getAttribute("cart"));
                // Ask the replica itself: a sentinel that has not yet seen the failover can still name
                // the old master for a moment after the store already follows the new one.
                try (Jedis j = replica.jedis()) {
                    assertEquals("master", j.role().get(0), "the replica was promoted");
                }
                assertFalse(store.isRedisDown());

                // Writes go to the new master too. Right after a failover a sentinel that has not
                // seen it yet can still name the old master to a freshly built client, so a call can
                // still fail fast for a moment (seen once on a loaded machine): retry like a user would.
                again.setAttribute("user", "bob");
                SaveResult saved = Await.untilNonNull(Duration.ofSeconds(30), "a save reaches the new master", () -> {
                    try {
                        return store.save(again);
                    } catch (LanyardException.RedisUnavailableException notYet) {
                        return null;
                    }
                });
                assertEquals(SaveResult.SAVED, saved);
                try (Jedis j = replica.jedis()) {
                    assertEquals("s:bob", j.hget(store.sessionKey(id), "a:user"));
                }
                System.out.printf("SentinelIT: store served the session again %d ms after kill -9 of the master"
                                + " (down-after-milliseconds=%d, %d calls failed fast with RedisUnavailableException meanwhile)%n",
                        recoveredMillis, RedisSentinelGroup.DOWN_AFTER_MILLIS, failures.get());
            }
        }
    }
}
