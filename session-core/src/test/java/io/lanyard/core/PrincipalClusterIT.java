package io.lanyard.core;

import io.lanyard.api.SessionInfo;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The principal index on a real 3-master Redis Cluster, where a principal's index and its
 * sessions live in different slots (on different masters): sign-in, limit, id change, sign-out
 * seen by the other node at once, each signed-out session destroyed once, expiry.
 */
class PrincipalClusterIT {
    static RedisCluster cluster;

    private final MutableClock clock = MutableClock.now();
    private final List<RedisSessionStore> stores = new ArrayList<>();
    private final Map<String, List<String>> destroyed = new ConcurrentHashMap<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3, 0);
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

    private RedisSessionStore node(String name) {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri(cluster.uri());
        s.setNodeName(name);
        s.setPrincipalAttribute("user");
        s.setMaxSessionsPerPrincipal(2);
        s.setReadTimeoutMillis(5000); // a loaded 2-core CI machine
        s.validate("/shop");
        RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), clock);
        store.startExpiry(r -> destroyed.computeIfAbsent(r.id(), k -> new CopyOnWriteArrayList<>()).add(name + ":" + r.getAttribute("user")));
        stores.add(store);
        return store;
    }

    private String signIn(RedisSessionStore store, String user) {
        String id = UUID.randomUUID().toString().replace("-", "");
        SessionRecord r = store.create(id, 60);
        r.setAttribute("user", user);
        assertEquals(SaveResult.SAVED, store.save(r));
        assertNotEquals(JedisClusterCRC16.getSlot(store.principalKey(user)), JedisClusterCRC16.getSlot(store.sessionKey(id)),
                "index and session in different slots");
        return id;
    }

    private static List<String> ids(List<SessionInfo> sessions) {
        return sessions.stream().map(SessionInfo::id).toList();
    }

    @Test
    void signInLimitIdChangeAndSignOutAcrossSlots() {
        RedisSessionStore a = node("a");
        RedisSessionStore b = node("b");
        String s1 = signIn(a, "alice");
        clock.advance(Duration.ofSeconds(1));
        String s2 = signIn(b, "alice");
        clock.advance(Duration.ofSeconds(1));
        String s3 = signIn(a, "alice"); // over the limit of 2: s1, the least recently used, is signed out
        assertNull(b.load(s1));
        assertEquals(List.of(s3, s2), ids(a.sessionControl().sessionsOf("alice")));

        clock.advance(Duration.ofSeconds(1));
        SessionRecord r = b.load(s2);
        String moved = UUID.randomUUID().toString().replace("-", "");
        assertTrue(b.changeId(r, moved));
        assertEquals(Set.of(moved, s3), Set.copyOf(ids(b.sessionControl().sessionsOf("alice"))));

        assertEquals(1, b.sessionControl().signOutOthers("alice", moved));
        assertNull(a.load(s3), "signed out on the other node at once");
        assertNotNull(a.load(moved));
        Await.until(Duration.ofSeconds(30), () -> "signed-out sessions destroyed: " + destroyed,
                () -> destroyed.containsKey(s1) && destroyed.containsKey(s3));
        // The destroying node deletes each hash after its listener returned; moving the clock past the
        // lease before that would stand for a node stalled longer than the lease (another may take over).
        Await.until(Duration.ofSeconds(30), () -> "the destroying node deleted the hashes: " + destroyed,
                () -> !exists(a.sessionKey(s1)) && !exists(a.sessionKey(s3)));
        // Every lease has run out; the rest expired (60 s timeout, written one touch interval late:
        // auto = 3 s for it): one more pass each.
        clock.advance(Duration.ofSeconds(64));
        for (RedisSessionStore n : stores) {
            n.scavenge(x -> destroyed.computeIfAbsent(x.id(), k -> new CopyOnWriteArrayList<>()).add("scan:" + x.getAttribute("user")));
        }
        assertEquals(1, destroyed.get(s1).size(), destroyed.toString());
        assertEquals(1, destroyed.get(s3).size(), destroyed.toString());
        assertEquals(List.of("scan:alice"), destroyed.get(moved), "the kept session expired later, once");
        assertEquals(List.of(), a.sessionControl().sessionsOf("alice"));
        assertFalse(exists(a.principalKey("alice")), "the index is gone with its sessions");
    }

    /** True when a master holds {@code key} (asked slot-wise, so no master answers with a redirect). */
    private boolean exists(String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        for (RedisCluster.Node m : cluster.masters()) {
            try (var jedis = m.admin()) {
                if (jedis.clusterGetKeysInSlot(slot, 10_000).contains(key)) {
                    return true;
                }
            }
        }
        return false;
    }
}
