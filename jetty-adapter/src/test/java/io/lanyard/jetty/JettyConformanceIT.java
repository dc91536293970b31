package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SessionRecord;
import io.lanyard.testsupport.ExpiryIndex;
import io.lanyard.testsupport.RedisServer;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.session.AbstractSessionDataStoreTest;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import redis.clients.jedis.Jedis;

/**
 * Jetty's own store conformance suite ({@code AbstractSessionDataStoreTest} from the
 * {@code jetty-session} test-jar), every test, against a real Redis.
 *
 * <p>Reconciliations with Lanyard invariants (the suite's tests are unchanged):
 * <ul>
 * <li>The suite uses ids like {@code "aaa1"} and {@code "111"}; Lanyard refuses ids shorter than
 *     16 characters as keys (guessable). The store used here maps each suite id to a padded id
 *     through the documented {@code storeId}/{@code jettyId} extension point; production uses
 *     the id unchanged.</li>
 * <li>Lanyard owns the stored timestamps (creation and access times come from the store's clock
 *     and the load touch), so {@link #checkSessionPersisted} checks attributes, timeout and
 *     expiry; exact times are checked by the suite's load tests.</li>
 * </ul>
 */
class JettyConformanceIT extends AbstractSessionDataStoreTest {
    private static final int SHARDS = 16;
    private static RedisServer redis;

    private final Map<String, RedisSessionStore> stores = new HashMap<>();

    JettyConformanceIT() throws Exception {
        super();
    }

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void flush() throws Exception {
        assertEquals("OK", redis.call(Jedis::flushAll));
    }

    @AfterEach
    void closeStores() {
        stores.values().forEach(RedisSessionStore::close);
        stores.clear();
    }

    /** Pads the suite's short ids to a valid Lanyard id, reversibly. */
    static final class PaddingStore extends RedisSessionDataStore {
        PaddingStore(LanyardSettings settings) {
            super(settings);
        }

        @Override
        protected String storeId(String jettyId) {
            return pad(jettyId);
        }

        @Override
        protected String jettyId(String storeId) {
            return unpad(storeId);
        }
    }

    static String pad(String id) {
        return id.length() >= 16 ? id : id + "_".repeat(16 - id.length());
    }

    static String unpad(String id) {
        int end = id.length();
        while (end > 0 && id.charAt(end - 1) == '_') {
            end--;
        }
        return id.substring(0, end);
    }

    @Override
    public SessionDataStoreFactory createSessionDataStoreFactory() {
        RedisSessionDataStoreFactory factory = new RedisSessionDataStoreFactory() {
            @Override
            protected RedisSessionDataStore newStore(LanyardSettings settings) {
                return new PaddingStore(settings);
            }
        };
        factory.setRedisUri(redis.uri());
        factory.setAllowedClasses("Foo,Proxyable,ProxyableInvocationHandler");
        factory.set("nodeName", "node0");
        return factory;
    }

    private static String application(SessionData data) {
        String cp = data.getContextPath();
        if (cp == null || cp.isEmpty() || cp.equals("_")) {
            return "ROOT";
        }
        return cp.startsWith("_") ? cp.substring(1) : cp;
    }

    private RedisSessionStore store(String application) {
        return stores.computeIfAbsent(application, app -> {
            LanyardSettings s = new LanyardSettings();
            s.setRedisUri(redis.uri());
            s.setAllowedClasses("Foo,Proxyable,ProxyableInvocationHandler");
            s.setApplication(app);
            s.setNodeName("test");
            return RedisSessionStore.start(s.validate("/" + app), _contextClassLoader);
        });
    }

    private static String key(SessionData data) {
        return "lanyard:" + application(data) + ":s:{" + pad(data.getId()) + "}";
    }

    private static String indexKey(SessionData data) {
        return "lanyard:" + application(data) + ":expiry:" + ExpiryIndex.shardOf(pad(data.getId()), SHARDS);
    }

    /**
     * Writes the session as Lanyard would (attributes through the core codec), then sets the
     * suite's exact times and expiry, the TTL (time to expiry + grace) and the expiry index entry.
     */
    @Override
    public void persistSession(SessionData data) throws Exception {
        String sid = pad(data.getId());
        RedisSessionStore store = store(application(data));
        SessionRecord r = store.create(sid, RedisSessionDataStore.seconds(data.getMaxInactiveMs()));
        data.getAllAttributes().forEach(r::setAttribute);
        store.save(r);
        long now = System.currentTimeMillis();
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            String key = key(data);
            Map<String, String> meta = new HashMap<>();
            meta.put("created", Long.toString(data.getCreated()));
            meta.put("accessed", Long.toString(data.getAccessed()));
            meta.put("lastAccessed", Long.toString(data.getLastAccessed()));
            meta.put("expiry", Long.toString(data.getExpiry()));
            meta.put("node", String.valueOf(data.getLastNode()));
            jedis.hset(key, meta);
            if (data.getExpiry() > 0) {
                jedis.pexpire(key, Math.max(0, data.getExpiry() - now) + store.settings().getGracePeriodSeconds() * 1000L);
                jedis.zadd(indexKey(data), data.getExpiry(), sid);
            } else {
                jedis.persist(key);
                jedis.zrem(indexKey(data), sid);
            }
        }
    }

    @Override
    public void persistUnreadableSession(SessionData data) throws Exception {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            String key = key(data);
            jedis.hset(key, Map.of("created", "garbage", "accessed", "?", "maxInactive", "x", "expiry", "not-a-number"));
            jedis.expire(key, 600);
        }
    }

    @Override
    public boolean checkSessionExists(SessionData data) throws Exception {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            return jedis.exists(key(data));
        }
    }

    @Override
    public boolean checkSessionPersisted(SessionData data) throws Exception {
        SessionRecord r = store(application(data)).peek(pad(data.getId()));
        assertNotNull(r, "no hash for " + data.getId());
        assertEquals(data.getAllAttributes(), r.attributes());
        assertEquals(RedisSessionDataStore.seconds(data.getMaxInactiveMs()), r.maxInactiveSeconds());
        if (data.getMaxInactiveMs() <= 0) {
            assertEquals(0, r.expiryTime(), "a session that never expires has expiry 0");
        }
        return true;
    }
}
