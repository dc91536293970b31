package io.lanyard.core;

import io.lanyard.testsupport.LogCapture;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Redis full (DESIGN.md "Redis full"): a real redis-server with a small {@code maxmemory} and the
 * {@code noeviction} policy, filled up by another client. Page views keep being served, writes fail
 * at once with a typed exception (503 in the adapters), one log line per episode, and everything
 * resumes with nothing lost once memory is freed.
 */
class RedisFullIT {
    private final io.lanyard.testsupport.MutableClock clock = io.lanyard.testsupport.MutableClock.now();
    private RedisServer redis;
    private RedisSessionStore store;

    @BeforeEach
    void start() {
        redis = RedisServer.start("--maxmemory", "4mb", "--maxmemory-policy", "noeviction");
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri(redis.uri());
        s.setNodeName("a");
        store = RedisSessionStore.start(s.validate("/shop"), getClass().getClassLoader(), clock);
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
        redis.close();
    }

    @Test
    void pageViewsAreServedWritesFailFastLoggedOnceAndEverythingResumesWhenMemoryIsFreed() {
        String id = "FULLREDIS0123456789ABCDEF";
        SessionRecord created = store.create(id, 1800);
        created.setAttribute("user", "alice");
        created.setAttribute("cart", new java.util.ArrayList<>(List.of("sku-1")));
        assertEquals(SaveResult.SAVED, store.save(created));
        RedisServer.Fill fill = redis.fill(); // another client fills Redis up to maxmemory

        try (LogCapture log = LogCapture.of("io.lanyard.core")) {
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofSeconds(61)); // every load's touch is due, and cannot be written
                SessionRecord page = store.load(id);
                assertNotNull(page, "a page view of an existing session is served");
                assertEquals("alice", page.getAttribute("user"));
                assertEquals(SaveResult.UNCHANGED, store.save(page));
            }
            for (int i = 0; i < 5; i++) {
                SessionRecord r = store.load(id);
                r.setAttribute("theme", "dark");
                long t0 = System.nanoTime();
                assertThrows(LanyardException.RedisFullException.class, () -> store.save(r), "a writing request fails");
                assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "at once, not after a timeout");
            }
            SessionRecord fresh = store.create("FULLREDISNEW0123456789AB", 1800);
            fresh.setAttribute("user", "bob");
            assertThrows(LanyardException.RedisFullException.class, () -> store.save(fresh), "a new session cannot be stored");
            assertTrue(store.refusesNewSessions(), "full");
            assertTrue(store.metrics().isRedisFull());
            assertEquals(1, store.metrics().getRedisFullEpisodes(), "one episode, however many refused writes");
            assertEquals("CLOSED", store.metrics().getBreakerState());
            assertFalse(store.isRedisDown(), "not an outage: reads go on");
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), "once per episode: " + log);
            assertTrue(warnings.get(0).contains("Redis is full: maxmemory reached"), warnings.get(0));

            fill.close();
            SessionRecord r = store.load(id);
            r.setAttribute("theme", "dark");
            assertEquals(SaveResult.SAVED, store.save(r), "writes resume once memory is freed");
            assertEquals(1, log.messages(Level.INFO).stream().filter(m -> m.contains("accepts writes again")).count(), log.toString());
            assertEquals(1, log.messages(Level.WARNING).size(), log.toString());
        }
        SessionRecord after = store.load(id);
        assertEquals("alice", after.getAttribute("user"), "nothing lost");
        assertEquals(List.of("sku-1"), after.getAttribute("cart"));
        assertEquals("dark", after.getAttribute("theme"));
        assertFalse(store.refusesNewSessions());
        assertEquals(1, store.metrics().getRedisFullEpisodes());
        assertEquals(0, store.metrics().getOutages());
    }
}
