package io.lanyard.core;

import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The touch interval (DESIGN.md: "a read-only request writes nothing to Redis most of the time"),
 * against a real Redis: writes are counted with Redis's own change counter
 * ({@code rdb_changes_since_last_save}), commands with MONITOR, time moved with the store's clock.
 */
class TouchIntervalIT extends StoreTestBase {

    /** Redis's count of key modifications so far. */
    private static long redisChanges() {
        for (String line : raw.info("persistence").split("\r?\n")) {
            if (line.startsWith("rdb_changes_since_last_save:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no rdb_changes_since_last_save in INFO persistence");
    }

    private String shopSession(RedisSessionStore store, int timeout) {
        String id = newId();
        SessionRecord s = store.create(id, timeout);
        s.setAttribute("user", "alice");
        s.setAttribute("cart", new java.util.ArrayList<>(List.of("sku-1")));
        assertEquals(SaveResult.SAVED, store.save(s));
        return id;
    }

    @Test
    void readOnlyRequestsWithinTheIntervalSendOneReadOnlyCommandAndWriteNothing() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 1800); // auto interval: 60 s
        a.load(id); // loads the script on the server
        Map<String, String> before = raw.hgetAll(a.sessionKey(id));
        long changes = redisChanges();
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            for (int i = 0; i < 50; i++) {
                clock.advance(Duration.ofMillis(1_000)); // 50 s in all: within the interval
                SessionRecord r = a.load(id);
                assertEquals("alice", r.getAttribute("user"));
                assertEquals(List.of("sku-1"), r.getAttribute("cart"));
                assertEquals(clock.millis(), r.accessedTime(), "the access is applied in memory");
                assertEquals(SaveResult.UNCHANGED, a.save(r));
            }
            List<String> sent = mon.clientCommands();
            assertEquals(50, sent.size(), "one command per request: " + sent);
            assertTrue(sent.stream().allMatch(l -> l.contains("\"EVALSHA_RO\"")), "read-only commands: " + sent);
        }
        assertEquals(0, redisChanges() - changes, "Redis's change counter: nothing written");
        assertEquals(before, raw.hgetAll(a.sessionKey(id)), "the hash is unchanged");
    }

    @Test
    void aTouchIsWrittenOnceTheIntervalHasPassedThenNothingAgainWithinIt() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 1800);
        long created = clock.millis();
        a.load(id);
        clock.advance(Duration.ofSeconds(61));
        long changes = redisChanges();
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            assertNotNull(a.load(id));
            List<String> sent = mon.clientCommands();
            assertEquals(2, sent.size(), "the load, then the due touch: " + sent);
            assertTrue(sent.get(0).contains("\"EVALSHA_RO\"") && sent.get(1).contains("\"EVALSHA\""), sent.toString());
            mon.clear();
            clock.advance(Duration.ofSeconds(30));
            assertNotNull(a.load(id));
            assertEquals(1, mon.clientCommands().size(), "within the new interval: the load alone");
        }
        assertEquals(5, redisChanges() - changes, "one touch: HSET of four access fields (Redis counts each) + PEXPIRE");
        Map<String, String> h = raw.hgetAll(a.sessionKey(id));
        long touchedAt = created + 61_000;
        assertEquals(String.valueOf(touchedAt), h.get("accessed"));
        assertEquals(String.valueOf(created), h.get("lastAccessed"));
        assertEquals(String.valueOf(touchedAt + 1_800_000 + 60_000), h.get("expiry"), "timeout + interval after the touch");
        long ttl = raw.pttl(a.sessionKey(id));
        assertTrue(ttl > 1_860_000 - 31_000 && ttl <= 1_860_000 + 300_000, "TTL agrees with the expiry (+ grace): " + ttl);
    }

    @Test
    void aSessionExpiresNeverBeforeItsTimeoutAfterTheLastRequestAndAtMostOneIntervalLater() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 60); // auto interval: 3 s
        long t0 = clock.millis();
        clock.advance(Duration.ofMillis(2_900));
        assertNotNull(a.load(id)); // the last request: within the interval, so not written
        assertEquals(String.valueOf(t0), raw.hget(a.sessionKey(id), "accessed"), "precondition: no touch written");
        long lastRequest = clock.millis();
        AtomicInteger expired = new AtomicInteger();

        clock.advance(Duration.ofMillis(lastRequest + 60_000 - 1 - clock.millis())); // just before timeout after the last request
        assertEquals(0, a.scavenge(r -> expired.incrementAndGet()), "not expired early by the scavenger");
        assertTrue(a.exists(id), "not expired early for a request");
        assertNotNull(a.peek(id));

        clock.advance(Duration.ofMillis(lastRequest + 60_000 + 3_000 - clock.millis())); // timeout + interval
        assertNull(a.load(id), "expired at the latest one interval after the timeout");
        assertEquals(1, a.scavenge(r -> expired.incrementAndGet()));
        assertEquals(1, expired.get());
    }

    @Test
    void aWritingRequestRecordsItsAccessWithinItsOneSave() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = shopSession(a, 1800);
        long created = clock.millis();
        clock.advance(Duration.ofSeconds(5));
        SessionRecord r = a.load(id);
        r.setAttribute("theme", "dark");
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            assertEquals(SaveResult.SAVED, a.save(r));
            assertEquals(1, mon.clientCommands().size(), "the save alone: " + mon.clientCommands());
        }
        Map<String, String> h = raw.hgetAll(a.sessionKey(id));
        assertEquals(String.valueOf(created + 5_000), h.get("accessed"));
        assertEquals(String.valueOf(created + 5_000 + 1_800_000 + 60_000), h.get("expiry"));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(created + 5_000, b.load(id).lastAccessedTime(), "another node sees the writing request's access");
    }

    @Test
    void intervalZeroTouchesOnEveryRequest() {
        LanyardSettings s = settings("a");
        s.setTouchIntervalSeconds(0);
        RedisSessionStore a = store(s);
        String id = shopSession(a, 1800);
        assertEquals(String.valueOf(clock.millis() + 1_800_000), raw.hget(a.sessionKey(id), "expiry"), "no slack");
        a.load(id);
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofMillis(10));
                a.load(id);
            }
            assertEquals(6, mon.clientCommands().size(), "load + touch per request: " + mon.clientCommands());
        }
        assertEquals(String.valueOf(clock.millis()), raw.hget(a.sessionKey(id), "accessed"));
    }

    @Test
    void anExpiryWrittenWithoutTheIntervalMakesTheNextRequestTouch() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 1800);
        SessionRecord r = a.load(id);
        long now = clock.millis();
        // As Jetty persists its SessionData: expiry = accessed + timeout, no slack.
        r.setMetadata(r.creationTime(), now, now, 1800, now + 1_800_000, "a", 0);
        assertEquals(SaveResult.SAVED, a.save(r));
        clock.advance(Duration.ofSeconds(1));
        a.load(id);
        assertEquals(String.valueOf(now + 1_000 + 1_800_000 + 60_000), raw.hget(a.sessionKey(id), "expiry"),
                "touched although the stored access is only a second old: the stored expiry would end it early");
    }

    @Test
    void onRedisWithoutEvalshaRoLoadsRunAsEvalsha() {
        // Redis 6.2 has no EVALSHA_RO; renaming the command away makes this server answer as 6.2 does.
        try (RedisServer old = RedisServer.start("--rename-command", "EVALSHA_RO", "EVALSHA_RO_HIDDEN",
                "--rename-command", "EVAL_RO", "EVAL_RO_HIDDEN")) {
            LanyardSettings s = settings("a");
            s.setRedisUri(old.uri());
            RedisSessionStore a = store(s);
            String id = shopSession(a, 1800);
            assertEquals("alice", a.load(id).getAttribute("user"));
            try (RedisMonitor mon = RedisMonitor.start(old)) {
                assertEquals("alice", a.load(id).getAttribute("user"));
                List<String> sent = mon.clientCommands();
                assertEquals(1, sent.size(), sent.toString());
                assertTrue(sent.get(0).contains("\"EVALSHA\""), sent.get(0));
            }
            assertFalse(a.isRedisDown());
        }
    }
}
