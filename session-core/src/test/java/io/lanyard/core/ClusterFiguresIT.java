package io.lanyard.core;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster-wide figures ({@link ClusterFigures}) and the operator's listing and expire
 * ({@link SessionListing}, {@link RedisSessionStore#expireNow}): two stores are two nodes of one
 * application on one Redis; time moves on the shared clock, and refreshes are called directly
 * (the scheduled expiry passes are set far apart).
 */
class ClusterFiguresIT extends StoreTestBase {
    private final List<String> firedOnA = new CopyOnWriteArrayList<>();
    private final List<String> firedOnB = new CopyOnWriteArrayList<>();

    private RedisSessionStore node(String name, int maxSessionBytes, List<String> fired) {
        LanyardSettings s = settings(name);
        s.setScavengeIntervalSeconds(300); // the test scans itself
        s.setGracePeriodSeconds(700);
        s.setMaxSessionBytes(maxSessionBytes);
        RedisSessionStore store = store(s);
        store.startExpiry(r -> fired.add(r.id() + " user=" + r.getAttribute("user")));
        return store;
    }

    private static String created(RedisSessionStore store, int maxInactiveSeconds) {
        String id = newId();
        SessionRecord r = store.create(id, maxInactiveSeconds);
        r.setAttribute("user", "u-" + id);
        assertEquals(SaveResult.SAVED, store.save(r));
        return id;
    }

    /** Session hashes of the application in Redis, counted the operator's way (SCAN). */
    private static Set<String> sessionKeys() {
        Set<String> keys = new java.util.HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = raw.scan(cursor, new ScanParams().match("lanyard:shop:s:*").count(1000));
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    @Test
    void countsOfTwoNodesAddUp() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        RedisSessionStore b = node("b", 1024, firedOnB);
        List<String> onA = new ArrayList<>();
        List<String> onB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            onA.add(created(a, 1800));
        }
        onB.add(created(b, 1800));
        onB.add(created(b, 1800));
        String shortLived = created(b, 60);
        SessionRecord oversized = b.create(newId(), 1800);
        oversized.setAttribute("blob", "x".repeat(4096));
        assertThrows(LanyardException.SessionTooLargeException.class, () -> b.save(oversized));
        a.figures().refresh();
        assertEquals(6, b.figures().refresh().maxActive(), "6 sessions in the index at a's refresh");

        clock.advance(Duration.ofSeconds(10));
        assertTrue(a.delete(onB.get(0)), "a invalidates one of b's sessions");
        assertTrue(b.delete(onA.get(0)), "b invalidates one of a's sessions");
        assertTrue(a.expireNow(onB.get(1)), "an operator on a expires a session created on b");
        assertFalse(b.expireNow(onB.get(1)), "expired once only");
        assertEquals(List.of(onB.get(1) + " user=u-" + onB.get(1)), firedOnA, "listener on a, attributes readable");
        clock.advance(Duration.ofSeconds(64)); // past the short-lived session's timeout
        assertEquals(1, b.scavenge(r -> firedOnB.add(r.id())));
        assertEquals(List.of(shortLived), firedOnB);

        a.figures().refresh();
        b.figures().refresh();
        ClusterFigures.Snapshot f = a.figures().refresh(); // after both dropped what they invalidated
        assertEquals(sessionKeys().size(), f.active(), "active = session hashes in Redis: " + sessionKeys());
        assertEquals(2, f.active());
        assertEquals(6, f.created());
        assertEquals(2, f.expired(), "expired by the operator and by time; invalidations are not expiries");
        assertEquals(1, f.rejected(), "the oversized new session");
        assertEquals(6, f.maxActive());
        assertEquals(4, f.ended());
        LanyardStoreMXBean bean = b.metrics();
        assertEquals(74, bean.getSessionMaxAliveTime(), "created at 0, expired by time at 74 s");
        assertEquals((10 + 10 + 10 + 74) / 4, bean.getSessionAverageAliveTime());
        assertEquals(2, bean.getActiveSessions());
        assertEquals(6, bean.getSessionCounter());
        assertEquals(2, bean.getExpiredSessions());
        assertEquals(1, bean.getRejectedSessions());
        assertEquals(6, bean.getMaxActive());
    }

    @Test
    void aNewSessionFirstWrittenByAnIdChangeIsCountedOnce() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        SessionRecord r = a.create(newId(), 1800); // getSession(true), then a login with a new id in the same request
        r.setAttribute("user", "u");
        String newId = newId();
        assertTrue(a.changeId(r, newId));
        r.setAttribute("user", "v");
        assertEquals(SaveResult.SAVED, a.save(r), "the request's end stores its changes");
        assertTrue(a.delete(newId));
        ClusterFigures.Snapshot f = a.figures().refresh();
        assertEquals(1, f.created(), "created once: by the id change");
        assertEquals(1, f.ended());
    }

    @Test
    void anOversizedNewSessionIsRejectedOnceHoweverOftenItIsStored() {
        RedisSessionStore a = node("a", 1024, firedOnA);
        SessionRecord oversized = a.create(newId(), 1800);
        oversized.setAttribute("blob", "x".repeat(4096));
        // Jetty stores at response commit and again at release
        assertThrows(LanyardException.SessionTooLargeException.class, () -> a.save(oversized));
        assertThrows(LanyardException.SessionTooLargeException.class, () -> a.save(oversized, true));
        assertThrows(LanyardException.SessionTooLargeException.class, () -> a.changeId(oversized, newId()));
        SessionRecord other = a.create(newId(), 1800);
        other.setAttribute("blob", "y".repeat(4096));
        assertThrows(LanyardException.SessionTooLargeException.class, () -> a.save(other));
        assertEquals(2, a.figures().refresh().rejected(), "two sessions rejected");
    }

    @Test
    void theStatsHashLivesThirtyDaysAfterTheLastRefreshAndAnIdleRefreshWritesNothing() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        created(a, 1800);
        a.figures().refresh();
        String stats = "lanyard:shop:stats";
        long thirtyDays = Duration.ofDays(30).toSeconds();
        long ttl = raw.ttl(stats);
        assertTrue(ttl > thirtyDays - 60 && ttl <= thirtyDays, "TTL " + ttl);

        long changes = changesInRedis();
        a.figures().refresh();
        assertEquals(changes, changesInRedis(), "nothing to add, TTL fresh: no write");

        raw.expire(stats, Duration.ofDays(2).toSeconds()); // as if no node had refreshed for 28 days
        a.figures().refresh();
        assertTrue(raw.ttl(stats) > thirtyDays - 60, "renewed: " + raw.ttl(stats));
        assertEquals(1, a.figures().refresh().created(), "the counts stay");
    }

    /**
     * Security review: a counter that is no count ({@code ended=x}) made the stats script fail after
     * adding the counters before it; the node then added its counts again at every refresh (20
     * created after 5 refreshes for 4 sessions) and the hash's TTL was never renewed.
     */
    @Test
    void aCounterThatIsNoCountStartsAgainAndTheOthersAreAddedOnce() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        String stats = "lanyard:shop:stats";
        String first = created(a, 1800);
        for (int i = 0; i < 3; i++) {
            created(a, 1800);
        }
        assertTrue(a.delete(first)); // one ended: its counter is written by this refresh
        raw.hset(stats, "ended", "x");
        raw.hset(stats, "maxActive", "nan");
        ClusterFigures.Snapshot f = null;
        for (int i = 0; i < 5; i++) {
            f = a.figures().refresh();
        }
        assertEquals(4, f.created());
        assertEquals(1, f.ended());
        assertEquals(3, f.maxActive(), "a maximum that is no count is replaced");
        assertTrue(raw.ttl(stats) > 0, "the hash keeps its TTL");
    }

    /** Redis's count of writes since its last snapshot (the test server never saves). */
    private static long changesInRedis() {
        return raw.info("persistence").lines().filter(l -> l.startsWith("rdb_changes_since_last_save:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
    }

    @Test
    void figuresAreReadAtMostEveryFiveSecondsAndCountsReachRedisAtStop() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        RedisSessionStore b = node("b", 1_048_576, firedOnB);
        created(a, 1800);
        assertEquals(1, a.metrics().getActiveSessions(), "the first read refreshes");
        created(b, 1800);
        assertEquals(1, a.metrics().getActiveSessions(), "within 5 s: the figure as read");
        assertEquals(1, a.metrics().getSessionCounter());
        clock.advance(Duration.ofMillis(ClusterFigures.MAX_AGE_MILLIS - 1));
        assertEquals(1, a.metrics().getActiveSessions());
        clock.advance(Duration.ofMillis(1));
        assertEquals(2, a.metrics().getActiveSessions(), "5 s later: read again");
        assertEquals(1, a.metrics().getSessionCounter(), "b has not added its count yet");
        b.close();
        clock.advance(Duration.ofSeconds(5));
        assertEquals(2, a.metrics().getSessionCounter(), "b added its count when it stopped");
    }

    @Test
    void anInvalidatedSessionLeavesTheIndexButANewSessionWithItsIdStays() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        String gone = created(a, 1800);
        String reused = created(a, 1800);
        assertTrue(a.delete(gone));
        assertTrue(a.delete(reused));
        clock.advance(Duration.ofSeconds(1));
        SessionRecord again = a.create(reused, 1800); // Jetty reuses an id another webapp still holds
        assertEquals(SaveResult.SAVED, a.save(again));
        a.figures().refresh();
        assertNull(raw.zscore(indexKey(gone), gone), "the invalidated session's entry is gone");
        assertEquals((double) again.expiryTime(), raw.zscore(indexKey(reused), reused), "the new session keeps its entry");
        assertEquals(1, a.figures().refresh().active());
    }

    @Test
    void theListingHasMetadataOnlyAndIsCapped() {
        RedisSessionStore a = node("a", 1_048_576, firedOnA);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SessionListing.MAX_LISTED + 5; i++) {
            ids.add(created(a, 1800));
            clock.advance(Duration.ofMillis(1));
        }
        assertTrue(a.delete(ids.get(ids.size() - 1)), "gone from Redis, still in the index until the next refresh");
        List<SessionRecord> listed = a.recentSessions();
        assertEquals(SessionListing.MAX_LISTED - 1, listed.size(), "the latest 1,000 entries, less the one that is gone");
        Set<String> expected = new java.util.HashSet<>(ids.subList(ids.size() - SessionListing.MAX_LISTED, ids.size() - 1));
        assertEquals(expected, listed.stream().map(SessionRecord::id).collect(Collectors.toSet()));
        SessionRecord one = listed.get(0);
        assertEquals(ids.get(ids.size() - 2), one.id(), "latest expiry first");
        assertEquals(1800, one.maxInactiveSeconds());
        assertTrue(one.creationTime() > 0 && one.accessedTime() >= one.creationTime());
        assertEquals(Set.of(), one.attributeNames(), "no attributes read");
        assertEquals("u-" + one.id(), a.peek(one.id()).getAttribute("user"), "read one whole when it is shown");
    }

    private static String indexKey(String id) {
        return "lanyard:shop:expiry:" + io.lanyard.testsupport.ExpiryIndex.shardOf(id, 16);
    }
}
