package io.lanyard.core;

import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.RedisClient;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** One real Redis per test class; stores ("nodes") and a raw Jedis client per test. */
abstract class StoreTestBase {
    static RedisServer redis;
    static RedisClient raw;
    /**
     * Past the expiry of a session with a 60 s timeout: expiry is one touch interval after the
     * timeout (auto: 60 s / 20 = 3 s, see TouchPolicy), plus a second.
     */
    static final java.time.Duration PAST_A_MINUTE_TIMEOUT = java.time.Duration.ofSeconds(64);

    final MutableClock clock = MutableClock.now();
    private final List<RedisSessionStore> stores = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        raw = RedisClient.builder().hostAndPort(redis.host(), redis.port()).build();
    }

    @AfterAll
    static void stopRedis() {
        raw.close();
        redis.close();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisSessionStore::close);
        raw.flushAll();
    }

    LanyardSettings settings(String node) {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri(redis.uri());
        s.setNodeName(node);
        s.setAllowedClasses("io.lanyard.core.fixtures.**");
        return s;
    }

    RedisSessionStore store(String node) {
        return store(settings(node));
    }

    RedisSessionStore store(LanyardSettings s) {
        if (s.getApplication() == null) {
            s.validate("/shop");
        }
        RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), clock);
        stores.add(store);
        return store;
    }

    /** A new session of user alice, saved; its id. */
    static String savedSession(RedisSessionStore store) {
        String id = newId();
        SessionRecord r = store.create(id, 1800);
        r.setAttribute("user", "alice");
        store.save(r);
        return id;
    }

    static String newId() {
        return UUID.randomUUID().toString().replace("-", "").toUpperCase();
    }
}
