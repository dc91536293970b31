package io.lanyard.core;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The store on a real 3-master / 3-replica Redis Cluster. */
class ClusterIT {
    static RedisCluster cluster;

    final MutableClock clock = MutableClock.now();
    private final List<RedisSessionStore> stores = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        long t0 = System.nanoTime();
        cluster = RedisCluster.start(3, 1);
        System.out.printf("ClusterIT: 3 masters + 3 replicas formed in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisSessionStore::close);
    }

    /** A store on the cluster; each test uses its own application name so tests do not see each other's keys. */
    RedisSessionStore store(String node, String application) {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri(cluster.uri());
        s.setNodeName(node);
        s.setApplication(application);
        s.setAllowedClasses("io.lanyard.core.fixtures.**");
        s.setReadTimeoutMillis(5000); // a loaded 2-core CI machine
        s.validate("/" + application);
        RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), clock);
        stores.add(store);
        return store;
    }

    @Test
    void thousandSessionsWrittenOnOneNodeAreReadAndUpdatedOnAnother() {
        RedisSessionStore a = store("a", "thousand");
        RedisSessionStore b = store("b", "thousand");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String id = newId();
            ids.add(id);
            SessionRecord s = a.create(id, 1800);
            s.setAttribute("user", "user-" + i);
            s.setAttribute("n", i);
            s.setAttribute("roles", List.of("buyer", "r" + (i % 7)));
            assertEquals(SaveResult.SAVED, a.save(s));
        }
        for (int i = 0; i < ids.size(); i++) {
            SessionRecord s = b.load(ids.get(i));
            assertNotNull(s, "session " + i + " not found on node b");
            assertEquals("user-" + i, s.getAttribute("user"));
            assertEquals(List.of("buyer", "r" + (i % 7)), s.getAttribute("roles"));
            s.setAttribute("n", i + 1);
            assertEquals(SaveResult.SAVED, b.save(s));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i + 1, a.load(ids.get(i)).getAttribute("n"));
        }
        // The sessions really are spread: every master holds a fair share of them.
        for (RedisCluster.Node m : cluster.masters()) {
            try (Jedis j = m.admin()) {
                long mine = j.keys("lanyard:thousand:s:*").size();
                assertTrue(mine > 200, "master " + m.port() + " holds only " + mine + " of 1000 sessions");
            }
        }
    }

    @Test
    void slotMigratedUnderLoadLosesNothingAndNoErrorReachesTheCaller() throws Exception {
        RedisSessionStore a = store("a", "migrate");
        RedisSessionStore b = store("b", "migrate");
        // 40 sessions that all live in one slot, so the migration moves them one by one under traffic.
        String first = newId();
        int slot = JedisClusterCRC16.getSlot(a.sessionKey(first));
        List<String> ids = new ArrayList<>(List.of(first));
        while (ids.size() < 40) {
            String id = newId();
            if (JedisClusterCRC16.getSlot(a.sessionKey(id)) == slot) {
                ids.add(id);
            }
        }
        for (String id : ids) {
            SessionRecord s = a.create(id, 1800);
            s.setAttribute("n", 0);
            a.save(s);
        }
        RedisCluster.Node source = cluster.masterOf(slot);
        RedisCluster.Node target = cluster.masters().stream().filter(m -> !m.equals(source)).findFirst().orElseThrow();
        long askingBefore = askingCalls(target);

        int threads = 4;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        Map<String, Integer> saves = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            List<String> mine = ids.subList(t * 10, t * 10 + 10); // one writer per session: its count is exact
            RedisSessionStore store = t % 2 == 0 ? a : b;
            Thread th = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        for (String id : mine) {
                            SessionRecord s = store.load(id);
                            assertNotNull(s, "session lost during migration");
                            s.setAttribute("n", (Integer) s.getAttribute("n") + 1);
                            assertEquals(SaveResult.SAVED, store.save(s));
                            saves.merge(id, 1, Integer::sum);
                            ops.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            }, "migration-load-" + t);
            th.start();
        }
        long t0 = System.nanoTime();
        int moved = cluster.migrateSlot(slot, target, left -> {
            // Let every writer make progress while the slot is half-moved (ASK redirections).
            long until = ops.get() + 2 * threads;
            Await.until(Duration.ofSeconds(20), "the writers make progress while the slot is half-moved",
                    () -> ops.get() >= until || !errors.isEmpty());
        });
        long migrationMillis = (System.nanoTime() - t0) / 1_000_000;
        // And some traffic after SETSLOT NODE (MOVED, slot cache refresh).
        long after = ops.get() + 10L * threads;
        Await.until(Duration.ofSeconds(20), "the writers make progress after the move", () -> ops.get() >= after || !errors.isEmpty());
        stop.set(true);
        assertTrue(done.await(60, TimeUnit.SECONDS), "writers did not stop");
        if (!errors.isEmpty()) {
            AssertionError failure = new AssertionError(errors.size() + " error(s) reached the caller during the migration");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
        System.out.printf("ClusterIT: migrated slot %d (%d keys) from :%d to :%d in %d ms under %d load+save ops%n",
                slot, moved, source.port(), target.port(), migrationMillis, ops.get());
        // At least the 40 sessions; an expiry-index shard key may happen to hash to the same slot.
        assertTrue(moved >= 40, "all 40 session keys were in the slot, moved " + moved);
        assertEquals(target, cluster.masterOf(slot));
        assertTrue(askingCalls(target) > askingBefore, "the clients were redirected with ASK while the slot was half-moved");
        try (Jedis j = target.admin()) {
            for (String id : ids) {
                assertTrue(j.exists(a.sessionKey(id)), "session not on the new owner");
            }
        }
        for (String id : ids) {
            int expected = saves.getOrDefault(id, 0);
            assertTrue(expected > 0, "no traffic on " + id);
            assertEquals(expected, b.load(id).getAttribute("n"), "lost update on " + id);
        }
    }

    @Test
    void expiryIndexShardsSpreadOverMastersAndEachExpiredSessionIsHandledOnce() {
        RedisSessionStore a = store("a", "expiry");
        RedisSessionStore b = store("b", "expiry");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String id = newId();
            ids.add(id);
            SessionRecord s = a.create(id, 60);
            s.setAttribute("user", "u" + i);
            a.save(s);
        }
        String keeper = newId(); // touched after the others: must survive
        a.save(a.create(keeper, 600));

        Set<Integer> mastersWithShards = new HashSet<>();
        for (RedisCluster.Node m : cluster.masters()) {
            try (Jedis j = m.admin()) {
                if (!j.keys("lanyard:expiry:expiry:*").isEmpty()) {
                    mastersWithShards.add(m.port());
                }
            }
        }
        assertTrue(mastersWithShards.size() >= 2, "16 index shards should land on several masters: " + mastersWithShards);

        clock.advance(StoreTestBase.PAST_A_MINUTE_TIMEOUT);
        ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();
        int byA = a.scavenge(r -> {
            assertEquals("u", ((String) r.getAttribute("user")).substring(0, 1), "attributes readable in the handler");
            handled.add(r.id());
        });
        int byB = b.scavenge(r -> handled.add(r.id()));
        assertEquals(60, byA + byB);
        assertEquals(ids, new HashSet<>(handled));
        assertEquals(60, handled.size(), "each expired session handled exactly once");
        for (String id : ids) {
            assertNull(a.peek(id), "expired session deleted");
        }
        assertNotNull(a.load(keeper));
        assertEquals(0, a.scavenge(r -> fail("nothing more is due")));
    }

    @Test
    void changeIdMovesTheSessionAcrossSlotsAndMasters() {
        RedisSessionStore a = store("a", "changeid");
        RedisSessionStore b = store("b", "changeid");
        String oldId = newId();
        SessionRecord s = a.create(oldId, 1800);
        s.setAttribute("user", "alice");
        a.save(s);
        RedisCluster.Node oldMaster = cluster.masterOf(JedisClusterCRC16.getSlot(a.sessionKey(oldId)));
        String newId;
        do {
            newId = newId();
        } while (cluster.masterOf(JedisClusterCRC16.getSlot(a.sessionKey(newId))).equals(oldMaster));

        SessionRecord loaded = b.load(oldId);
        assertTrue(b.changeId(loaded, newId));
        assertEquals(newId, loaded.id());
        assertNull(a.load(oldId), "old id is dead");
        SessionRecord moved = a.load(newId);
        assertNotNull(moved);
        assertEquals("alice", moved.getAttribute("user"));
        // The moved session expires through the index like any other.
        clock.advance(Duration.ofSeconds(1800 + 60 + 1)); // timeout + its touch interval (auto: 60 s) + 1
        List<String> expired = new ArrayList<>();
        a.scavenge(r -> expired.add(r.id()));
        assertTrue(expired.contains(newId), "new id is indexed: " + expired);
    }

    /** How many ASKING commands a node has received (clients send one per ASK redirection they follow). */
    static long askingCalls(RedisCluster.Node node) {
        try (Jedis j = node.admin()) {
            return j.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_asking:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("^cmdstat_asking:calls=(\\d+),.*", "$1"))).sum();
        }
    }

    static String newId() {
        return UUID.randomUUID().toString().replace("-", "").toUpperCase();
    }
}
