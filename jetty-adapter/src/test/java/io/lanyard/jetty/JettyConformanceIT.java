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
 * <p>{@link #persistSession} writes through the shipped store's own {@code doStore}, and
 * {@link #checkSessionPersisted} compares every field (times, expiry, last node, cookie-set time,
 * timeout, attributes) with what is in Redis. Reconciliations with Lanyard invariants:
 * <ul>
 * <li>The suite uses ids like {@code "aaa1"} and {@code "111"}; Lanyard refuses ids shorter than
 *     16 characters as keys (guessable). The store used here maps each suite id to a padded id
 *     through the documented {@code storeId}/{@code jettyId} extension point; production uses
 *     the id unchanged.</li>
 * <li>Sessions of another context ({@code _other}) cannot go through this context's store: they
 *     are written through the core store of that application, with the calls that {@code doStore}
 *     makes for a new session ({@code SessionRecord.setMetadata}, which its {@code syncMetadata}
 *     calls for a record that was never touched, then {@code save}).</li>
 * <li>Lanyard keeps the timeout in whole seconds, so it is compared in seconds.</li>
 * </ul>
 */
class JettyConformanceIT extends AbstractSessionDataStoreTest {
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
            return RedisSessionStore.start(s.validate("/" + app), _contextClassLoader, java.time.Clock.systemUTC());
        });
    }

    private RedisSessionDataStore shipped() {
        return (RedisSessionDataStore) _sessionManager.getSessionCache().getSessionDataStore();
    }

    private static String key(SessionData data) {
        return "lanyard:" + application(data) + ":s:{" + pad(data.getId()) + "}";
    }

    /** Through the shipped store's own {@code doStore} (another context: through that application's core store). */
    @Override
    public void persistSession(SessionData data) throws Exception {
        RedisSessionDataStore shipped = shipped();
        if (application(data).equals(shipped.getStore().settings().getApplication())) {
            shipped.doStore(data.getId(), data, 0);
            return;
        }
        RedisSessionStore other = store(application(data));
        SessionRecord r = other.create(pad(data.getId()), SessionRecord.timeoutSeconds(data.getMaxInactiveMs()));
        data.getAllAttributes().forEach(r::setAttribute);
        r.setMetadata(data.getCreated(), data.getAccessed(), data.getLastAccessed(),
                SessionRecord.timeoutSeconds(data.getMaxInactiveMs()), data.getExpiry(), data.getLastNode(), data.getCookieSet());
        other.save(r);
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

    /**
     * Every field: as stored in Redis (read without touching it), and as the shipped store's
     * {@code load} hands it back to Jetty (the last node included: Jetty's name of this node is
     * stored as Lanyard's node name and mapped back).
     */
    @Override
    public boolean checkSessionPersisted(SessionData data) throws Exception {
        SessionRecord r = store(application(data)).peek(pad(data.getId()));
        assertNotNull(r, "no hash for " + data.getId());
        assertEquals(data.getCreated(), r.creationTime(), "created");
        assertEquals(data.getAccessed(), r.storedAccessedTime(), "accessed");
        assertEquals(data.getLastAccessed(), r.storedLastAccessedTime(), "lastAccessed");
        assertEquals(data.getExpiry(), r.storedExpiryTime(), "expiry");
        assertEquals(data.getCookieSet(), r.cookieSetTime(), "cookieSet");
        assertEquals(SessionRecord.timeoutSeconds(data.getMaxInactiveMs()), r.maxInactiveSeconds(), "maxInactive");
        assertEquals(data.getAllAttributes(), r.attributes(), "attributes");
        SessionData loaded = shipped().load(data.getId());
        assertNotNull(loaded, "load of " + data.getId());
        assertEquals(data.getCreated(), loaded.getCreated(), "loaded created");
        assertEquals(data.getAccessed(), loaded.getAccessed(), "loaded accessed");
        assertEquals(data.getLastAccessed(), loaded.getLastAccessed(), "loaded lastAccessed");
        assertEquals(data.getExpiry(), loaded.getExpiry(), "loaded expiry");
        assertEquals(data.getLastNode(), loaded.getLastNode(), "loaded lastNode");
        assertEquals(data.getCookieSet(), loaded.getCookieSet(), "loaded cookieSet");
        assertEquals(SessionRecord.timeoutMillis(SessionRecord.timeoutSeconds(data.getMaxInactiveMs())),
                loaded.getMaxInactiveMs(), "loaded maxInactive (whole seconds)");
        assertEquals(data.getAllAttributes(), loaded.getAllAttributes(), "loaded attributes");
        return true;
    }
}
