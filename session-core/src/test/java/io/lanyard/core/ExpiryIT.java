package io.lanyard.core;

import io.lanyard.testsupport.ExpiryIndex;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ExpiryIT extends StoreTestBase {

    private List<String> createSessions(RedisSessionStore store, int n, int maxInactive) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = newId();
            SessionRecord r = store.create(id, maxInactive);
            r.setAttribute("user", "user-" + i);
            store.save(r);
            ids.add(id);
        }
        return ids;
    }

    @Test
    void eachExpiredSessionIsHandledExactlyOnceAcrossTwoNodesWithAttributesReadable() throws Exception {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        List<String> ids = createSessions(a, 300, 60);
        clock.advance(PAST_A_MINUTE_TIMEOUT);

        Map<String, Integer> seen = Collections.synchronizedMap(new HashMap<>());
        Map<String, Object> users = Collections.synchronizedMap(new HashMap<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (RedisSessionStore node : List.of(a, b, a, b)) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (node.scavenge(r -> {
                    seen.merge(r.id(), 1, Integer::sum);
                    users.put(r.id(), r.getAttribute("user"));
                }) > 0) {
                    // keep going until this node finds nothing more
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(ids.size(), seen.size(), "every session handled");
        assertTrue(seen.values().stream().allMatch(c -> c == 1), "handled more than once: " + seen);
        for (int i = 0; i < ids.size(); i++) {
            assertEquals("user-" + i, users.get(ids.get(i)), "attributes readable in the listener");
            assertFalse(raw.exists(a.sessionKey(ids.get(i))), "deleted after the listener");
        }
        assertEquals(300, a.metrics().getExpiriesProcessed() + b.metrics().getExpiriesProcessed());
        for (int shard = 0; shard < 16; shard++) {
            assertEquals(0, raw.zcard("lanyard:shop:expiry:" + shard), "index shard " + shard + " empty");
        }
    }

    @Test
    void aClaimAbandonedByACrashedNodeIsPickedUpAfterItsLease() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        List<String> ids = createSessions(a, 20, 60);
        clock.advance(PAST_A_MINUTE_TIMEOUT);

        List<String> claimedByA = a.expiry().claimAll(); // then node a "dies" without handling them
        assertEquals(ids.size(), claimedByA.size());

        AtomicInteger handledByB = new AtomicInteger();
        assertEquals(0, b.scavenge(r -> handledByB.incrementAndGet()), "leased to a: b must not take them yet");

        clock.advance(Duration.ofSeconds(a.settings().getClaimLeaseSeconds() + 1));
        assertEquals(ids.size(), b.scavenge(r -> handledByB.incrementAndGet()));
        assertEquals(ids.size(), handledByB.get());
    }

    @Test
    void aSessionTouchedSinceIndexingIsNotExpiredAndIsRecheckedLater() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 60).get(0);
        clock.advance(Duration.ofSeconds(50));
        assertNotNull(a.load(id)); // touch: expiry now + 60 s; the index still says the old time
        clock.advance(Duration.ofSeconds(20));
        AtomicInteger handled = new AtomicInteger();
        assertEquals(0, a.scavenge(r -> handled.incrementAndGet()));
        assertNotNull(a.load(id), "still alive");
        Double score = raw.zscore("lanyard:shop:expiry:" + shardOf(a, id), id);
        assertNotNull(score, "re-indexed");
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertEquals(1, a.scavenge(r -> handled.incrementAndGet()));
        assertEquals(1, handled.get());
    }

    @Test
    void aSessionRevivedByANodeWithASlowClockKeepsItsIndexEntryAndStillExpiresWithAnEvent() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 60).get(0);
        io.lanyard.testsupport.MutableClock slow = new io.lanyard.testsupport.MutableClock(clock.millis());
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        slow.advance(Duration.ofSeconds(31));
        LanyardSettings bSettings = settings("b");
        bSettings.validate("/shop");
        try (RedisSessionStore b = RedisSessionStore.start(bSettings, getClass().getClassLoader(), slow)) {
            assertEquals(List.of(id), a.expiry().claimAll());
            assertNotNull(b.load(id), "b's clock says the session is live: b touches it");
            a.expiry().deleteExpired(id); // a's listener ran; the hash is live again, so it is not deleted
            assertTrue(raw.exists(a.sessionKey(id)));
            assertNotNull(raw.zscore("lanyard:shop:expiry:" + shardOf(a, id), id), "still indexed");
        }
        clock.advance(Duration.ofSeconds(a.settings().getClaimLeaseSeconds()).plus(PAST_A_MINUTE_TIMEOUT));
        AtomicInteger handled = new AtomicInteger();
        assertEquals(1, a.scavenge(r -> handled.incrementAndGet()), "its real expiry reaches a listener");
        assertFalse(raw.exists(a.sessionKey(id)));
    }

    @Test
    void invalidatedSessionIsDroppedFromTheIndexWithoutAnEvent() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 60).get(0);
        a.delete(id);
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        AtomicInteger handled = new AtomicInteger();
        assertEquals(0, a.scavenge(r -> handled.incrementAndGet()));
        assertNull(raw.zscore("lanyard:shop:expiry:" + shardOf(a, id), id));
    }

    @Test
    void aFailingListenerIsLoggedAndTheSessionStillDeleted() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 60).get(0);
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertEquals(1, a.scavenge(r -> {
            throw new IllegalStateException("listener bug");
        }));
        assertFalse(raw.exists(a.sessionKey(id)));
    }

    @Test
    void shorterTimeoutIsIndexedSoItExpiresOnTime() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 3600).get(0);
        SessionRecord r = a.load(id);
        r.setMaxInactiveSeconds(60);
        assertEquals(SaveResult.SAVED, a.save(r));
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertNull(a.load(id));
        assertEquals(1, a.scavenge(x -> { }));
    }

    @Test
    void longerTimeoutNeverMovesTheIndexLaterAndTheEarlierEntryIsRechecked() {
        RedisSessionStore a = store("a");
        String id = createSessions(a, 1, 60).get(0);
        String shard = "lanyard:shop:expiry:" + shardOf(a, id);
        double indexed = raw.zscore(shard, id);
        SessionRecord r = a.load(id);
        r.setMaxInactiveSeconds(3600);
        assertEquals(SaveResult.SAVED, a.save(r));
        assertEquals(indexed, raw.zscore(shard, id), "the index only moves earlier");
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertNotNull(a.load(id), "alive: its timeout is an hour now");
        assertEquals(0, a.scavenge(x -> { }), "the early entry is re-checked, not expired");
        assertTrue(raw.zscore(shard, id) > indexed + 3_000_000, "re-indexed at the real expiry");
    }

    @Test
    void scavengeDelayIsJittered() {
        RedisSessionStore a = store("a");
        long base = a.settings().getScavengeIntervalSeconds() * 1000L;
        java.util.Set<Long> delays = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            long d = a.expiry().nextDelayMillis();
            assertTrue(d > base * 3 / 4 - 1 && d <= base, String.valueOf(d));
            delays.add(d);
        }
        assertTrue(delays.size() > 1);
    }

    private static int shardOf(RedisSessionStore store, String id) {
        return ExpiryIndex.shardOf(id, store.settings().getExpiryShards());
    }
}
