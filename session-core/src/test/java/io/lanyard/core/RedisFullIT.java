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

    /**
     * SRE review: a sign-in (session id change) while Redis was full deleted the old record, then
     * could not write the new one: the session was gone, also after memory was freed.
     */
    @Test
    void aSignInWhileRedisIsFullLeavesTheSessionAsItWas() {
        String id = "FULLREDISCID0123456789AB";
        SessionRecord created = store.create(id, 1800);
        created.setAttribute("cart", new java.util.ArrayList<>(List.of("book", "pen")));
        assertEquals(SaveResult.SAVED, store.save(created));
        RedisServer.Fill fill = redis.fill();
        String moved = "FULLREDISMOVED0123456789";
        SessionRecord r = store.load(id);
        assertThrows(LanyardException.RedisFullException.class, () -> store.changeId(r, moved));
        assertEquals(id, r.id(), "the record keeps its id");
        assertNull(store.load(moved));
        assertEquals(List.of("book", "pen"), store.load(id).getAttribute("cart"), "served under its old id while full");
        fill.close();
        SessionRecord again = store.load(id);
        assertTrue(store.changeId(again, moved), "the sign-in works once memory is freed");
        assertNull(store.load(id));
        assertEquals(List.of("book", "pen"), store.load(moved).getAttribute("cart"));
    }

    /** SRE review: a save that found its session gone (it writes nothing) ended the episode, and the next refusal began another. */
    @Test
    void aScriptThatWroteNothingDoesNotEndTheEpisode() {
        String kept = "FULLREDISKEPT0123456789A";
        String gone = "FULLREDISGONE0123456789A";
        for (String id : List.of(kept, gone)) {
            SessionRecord r = store.create(id, 1800);
            r.setAttribute("user", "alice");
            assertEquals(SaveResult.SAVED, store.save(r));
        }
        SessionRecord onGone = store.load(gone);
        RedisServer.Fill fill = redis.fill();
        try (LogCapture log = LogCapture.of("io.lanyard.core")) {
            SessionRecord k = store.load(kept);
            k.setAttribute("theme", "dark");
            assertThrows(LanyardException.RedisFullException.class, () -> store.save(k));
            try (redis.clients.jedis.Jedis j = redis.jedis()) {
                j.del(store.sessionKey(gone)); // another node's sign-out: DEL is allowed when full
            }
            onGone.setAttribute("theme", "dark");
            assertEquals(SaveResult.GONE, store.save(onGone));
            SessionRecord k2 = store.load(kept);
            k2.setAttribute("theme", "dark");
            assertThrows(LanyardException.RedisFullException.class, () -> store.save(k2));
            assertEquals(1, store.metrics().getRedisFullEpisodes(), log.toString());
            assertEquals(List.of(), log.messages(Level.INFO), "no 'accepts writes again' while it does not");
            assertEquals(1, log.messages(Level.WARNING).size(), log.toString());
        } finally {
            fill.close();
        }
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
