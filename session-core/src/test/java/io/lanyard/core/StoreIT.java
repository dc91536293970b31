package io.lanyard.core;

import io.lanyard.core.fixtures.Cart;
import io.lanyard.testsupport.RedisMonitor;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class StoreIT extends StoreTestBase {

    /**
     * Tomcat warns about a webapp thread still running after the stop ("failed to stop it"): close
     * returns once the store's threads have ended, here one busy in an expiry listener.
     */
    @Test
    void closeReturnsOnceTheStoresThreadsHaveEnded() throws Exception {
        LanyardSettings s = settings("a");
        s.setScavengeIntervalSeconds(1);
        s.validate("/closing");
        RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), clock);
        store.save(store.create(newId(), 60));
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        java.util.concurrent.CountDownLatch inListener = new java.util.concurrent.CountDownLatch(1);
        store.startExpiry(r -> {
            inListener.countDown();
            long end = System.nanoTime() + 500_000_000L; // busy, and deaf to the interrupt of shutdownNow
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        });
        assertTrue(inListener.await(30, java.util.concurrent.TimeUnit.SECONDS), "a scheduled expiry pass runs the listener");
        store.close();
        assertEquals(List.of(), threadsNamed("lanyard-closing"), "alive after close");
    }

    private static List<String> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive())
                .map(t -> t.getName() + " " + t.getState()).toList();
    }

    @Test
    void sessionCreatedOnOneNodeIsReadOnAnother() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        s.setAttribute("user", "alice");
        s.setAttribute("count", 3);
        assertEquals(SaveResult.SAVED, a.save(s));

        SessionRecord onB = b.load(id);
        assertNotNull(onB);
        assertEquals("alice", onB.getAttribute("user"));
        assertEquals(3, onB.getAttribute("count"));
        assertEquals(1800, onB.maxInactiveSeconds());
        assertFalse(onB.isNew());
        assertEquals("b", onB.lastNode());
    }

    @Test
    void metadataIsReadableTextAndSimpleValuesAreTaggedText() {
        RedisSessionStore a = store("node-a");
        String id = newId();
        SessionRecord s = a.create(id, 600);
        s.setAttribute("user", "alice");
        s.setAttribute("n", 42L);
        s.setAttribute("ok", true);
        a.save(s);
        Map<String, String> h = raw.hgetAll(a.sessionKey(id));
        assertEquals("lanyard:shop:s:{" + id + "}", a.sessionKey(id));
        assertEquals("s:alice", h.get("a:user"));
        assertEquals("l:42", h.get("a:n"));
        assertEquals("b:true", h.get("a:ok"));
        assertEquals("600", h.get("maxInactive"));
        assertEquals("1", h.get("version"));
        assertEquals("node-a", h.get("node"));
        // Expiry = timeout + one touch interval (auto: 600 s / 20 = 30 s): see TouchPolicy.
        assertEquals(String.valueOf(clock.millis() + 630_000), h.get("expiry"));
        long ttl = raw.pttl(a.sessionKey(id));
        assertTrue(ttl > 630_000 && ttl <= 930_000, "TTL = expiry + grace, was " + ttl);
    }

    @Test
    void inPlaceMutationIsSavedAndUntouchedAttributesAreNotRewritten() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        Cart cart = new Cart();
        cart.add("sku-1", 1, new BigDecimal("9.99"));
        s.setAttribute("cart", cart);
        s.setAttribute("prefs", new java.util.HashMap<>(Map.of("theme", "dark")));
        a.save(s);

        SessionRecord loaded = a.load(id);
        ((Cart) loaded.getAttribute("cart")).add("sku-2", 2, new BigDecimal("1.50")); // no setAttribute
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            assertEquals(SaveResult.SAVED, a.save(loaded));
            List<String> sent = mon.clientCommands();
            assertEquals(1, sent.size(), "one EVALSHA: " + sent);
            assertTrue(sent.get(0).contains("\"a:cart\""), sent.get(0));
            assertFalse(sent.get(0).contains("\"a:prefs\""), "untouched attribute rewritten: " + sent.get(0));
        }
        Cart again = (Cart) store("b").load(id).getAttribute("cart");
        assertEquals(2, again.lines().size());
        assertEquals(new BigDecimal("1.50"), again.lines().get(1).price());
    }

    @Test
    void readOnlyRequestIsOneCommandAndUnchangedSaveSendsNothing() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        s.setAttribute("cart", new java.util.ArrayList<>(List.of("x")));
        a.save(s);
        a.load(id); // warm the script cache on the server
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            SessionRecord r = a.load(id);
            assertEquals(SaveResult.UNCHANGED, a.save(r));
            List<String> sent = mon.clientCommands();
            assertEquals(1, sent.size(), sent.toString());
            assertTrue(sent.get(0).contains("\"EVALSHA_RO\""), "a read-only command: " + sent.get(0));
            assertFalse(mon.scriptCommands().isEmpty(), "the script's own commands are marked as lua");
            mon.clear();
            r = a.load(id);
            r.setAttribute("user", "bob");
            a.save(r);
            assertEquals(2, mon.clientCommands().size(), "writing request = load + save");
        }
    }

    @Test
    void anUntouchedMapWhoseDecodedOrderDiffersIsNotRewritten() {
        // Written from a default HashMap (16 buckets): iteration 2, 9. Kryo rebuilds it with 4
        // buckets, where 9 comes first: the re-encoded bytes differ, the value does not.
        java.util.HashMap<Integer, String> prefs = new java.util.HashMap<>();
        prefs.put(2, "EUR");
        prefs.put(9, "dark");
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        s.setAttribute("prefs", prefs);
        s.setAttribute("cart", new java.util.ArrayList<>(List.of("x")));
        a.save(s);
        b.load(id);
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            SessionRecord r = b.load(id);
            assertEquals(prefs, r.getAttribute("prefs"));
            assertEquals(List.of(9, 2), List.copyOf(((Map<?, ?>) r.getAttribute("prefs")).keySet()),
                    "precondition: the decoded map iterates in another order");
            assertEquals(SaveResult.UNCHANGED, b.save(r));
            assertEquals(1, mon.clientCommands().size(), "read-only request: " + mon.clientCommands());

            mon.clear();
            r = b.load(id);
            @SuppressWarnings("unchecked")
            Map<Integer, String> live = (Map<Integer, String>) r.getAttribute("prefs");
            live.put(9, "light"); // a real change in place is still saved
            assertEquals(SaveResult.SAVED, b.save(r));
            List<String> sent = mon.clientCommands();
            assertEquals(2, sent.size(), sent.toString());
            assertTrue(sent.get(1).contains("\"a:prefs\""), sent.get(1));
        }
        assertEquals("light", ((Map<?, ?>) a.load(id).getAttribute("prefs")).get(9));
    }

    @Test
    void twoNodesChangingDifferentAttributesLoseNothing() throws Exception {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = newId();
        a.save(a.create(id, 1800));
        int rounds = 50;
        Thread ta = new Thread(() -> {
            for (int i = 0; i < rounds; i++) {
                SessionRecord r = a.load(id);
                r.setAttribute("a" + i, i);
                a.save(r);
            }
        });
        Thread tb = new Thread(() -> {
            for (int i = 0; i < rounds; i++) {
                SessionRecord r = b.load(id);
                r.setAttribute("b" + i, i);
                b.save(r);
            }
        });
        ta.start();
        tb.start();
        ta.join();
        tb.join();
        SessionRecord r = a.load(id);
        for (int i = 0; i < rounds; i++) {
            assertEquals(i, r.getAttribute("a" + i));
            assertEquals(i, r.getAttribute("b" + i));
        }
        assertEquals(2 * rounds + 1, r.version());
    }

    @Test
    void thousandsOfAttributesAreWrittenAndRemovedInOneSave() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        for (int i = 0; i < 4_500; i++) {
            s.setAttribute("k" + i, "v" + i); // more values than one Lua unpack passes
        }
        assertEquals(SaveResult.SAVED, a.save(s));
        RedisSessionStore b = store("b");
        SessionRecord loaded = b.load(id);
        assertEquals(4_500, loaded.attributeNames().size());
        for (int i = 0; i < 4_400; i++) {
            loaded.removeAttribute("k" + i);
        }
        loaded.setAttribute("k4499", "changed");
        assertEquals(SaveResult.SAVED, b.save(loaded));
        SessionRecord again = a.load(id);
        assertEquals(100, again.attributeNames().size());
        assertEquals("changed", again.getAttribute("k4499"));
        assertEquals(100, raw.hkeys(a.sessionKey(id)).stream().filter(f -> f.startsWith("a:")).count(), "in Redis too");
    }

    @Test
    void saveAfterAnotherNodesInvalidateDoesNotResurrect() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = newId();
        a.save(a.create(id, 1800));
        SessionRecord onA = a.load(id);
        assertTrue(b.delete(id));
        onA.setAttribute("late", "write");
        assertEquals(SaveResult.GONE, a.save(onA));
        assertFalse(raw.exists(a.sessionKey(id)));
        assertNull(a.load(id));
    }

    @Test
    void expiredSessionIsNotLoadedAndNotResurrected() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord s = a.create(id, 60);
        a.save(s);
        SessionRecord loaded = a.load(id);
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertNull(a.load(id));
        loaded.setAttribute("x", "y");
        assertEquals(SaveResult.GONE, a.save(loaded));
        assertTrue(raw.exists(a.sessionKey(id)), "kept for the grace period");
        assertTrue(raw.pttl(a.sessionKey(id)) > 0, "never without TTL");
    }

    @Test
    void neverExpiringSessionHasNoTtl() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 0));
        assertEquals(-1, raw.pttl(a.sessionKey(id)));
        assertEquals("0", raw.hget(a.sessionKey(id), "expiry"));
        clock.advance(Duration.ofDays(400));
        assertNotNull(a.load(id));
    }

    @Test
    void changeIdMovesTheSessionAndKillsTheOldId() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = newId();
        SessionRecord s = a.create(id, 1800);
        s.setAttribute("user", "alice");
        a.save(s);
        SessionRecord loaded = a.load(id);
        String newId = newId();
        assertTrue(a.changeId(loaded, newId));
        assertEquals(newId, loaded.id());
        assertNull(b.load(id));
        SessionRecord moved = b.load(newId);
        assertEquals("alice", moved.getAttribute("user"));
        assertTrue(raw.pttl(a.sessionKey(newId)) > 0);
    }

    @Test
    void invalidIdsNeverReachRedis() {
        RedisSessionStore a = store("a");
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            assertNull(a.load("short"));
            assertNull(a.load("../../etc/passwd-aaaaaaaaaaaaaaa"));
            assertNull(a.load("ABCDEF0123456789}{ABCDEF"));
            assertNull(a.load("x".repeat(500)));
            assertNull(a.load(null));
            assertFalse(a.exists("a b c d e f g h i j k l"));
            assertEquals(List.of(), mon.clientCommands());
        }
    }

    @Test
    void oversizedSessionIsRefusedWhole() {
        LanyardSettings s = settings("a");
        s.setMaxSessionBytes(10_000);
        RedisSessionStore a = store(s);
        String id = newId();
        SessionRecord r = a.create(id, 1800);
        r.setAttribute("small", "x");
        a.save(r);
        SessionRecord loaded = a.load(id);
        loaded.setAttribute("other", "y");
        loaded.setAttribute("big", "z".repeat(20_000));
        assertThrows(LanyardException.SessionTooLargeException.class, () -> a.save(loaded));
        Map<String, String> h = raw.hgetAll(a.sessionKey(id));
        assertNull(h.get("a:big"));
        assertNull(h.get("a:other"), "nothing half-written");
        assertEquals("1", h.get("version"));
        assertEquals(1, a.metrics().getOversizedRefused());
    }

    @Test
    void corruptAttributeIsDroppedAndTheRestSurvives() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord r = a.create(id, 1800);
        r.setAttribute("user", "alice");
        r.setAttribute("cart", new java.util.ArrayList<>(List.of(1, 2, 3)));
        a.save(r);
        raw.hset(a.sessionKey(id).getBytes(), "a:cart".getBytes(), new byte[]{'K', 1, 2, 3, (byte) 0xff, 9});
        raw.hset(a.sessionKey(id), "a:count", "i:notanumber");
        SessionRecord loaded = a.load(id);
        assertEquals("alice", loaded.getAttribute("user"));
        assertNull(loaded.getAttribute("cart"));
        assertNull(loaded.getAttribute("count"));
        assertEquals(java.util.Set.of("cart", "count"), loaded.undecodableAttributeNames());
        assertEquals(2, a.metrics().getDroppedAttributes());
        loaded.setAttribute("user", "bob");
        a.save(loaded);
        assertNotNull(raw.hget(a.sessionKey(id), "a:cart"), "an undecodable attribute is left in Redis for nodes that can read it");
    }

    @Test
    void unreadableMetadataIsReportedAsUnreadableRecord() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 1800));
        raw.hset(a.sessionKey(id), "maxInactive", "garbage");
        assertThrows(LanyardException.UnreadableSessionException.class, () -> a.load(id));
    }

    @Test
    void redisDownFailsFastWithOneTypedException() {
        LanyardSettings s = settings("a");
        s.setRedisUri("redis://127.0.0.1:" + io.lanyard.testsupport.RedisServer.freePort());
        s.setConnectTimeoutMillis(500);
        RedisSessionStore a = store(s);
        String id = newId();
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThrows(LanyardException.RedisUnavailableException.class, () -> a.load(id));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "20 calls against a dead Redis took " + ms + " ms");
        assertTrue(a.isRedisDown());
    }

    @Test
    void refusedClassInRedisDropsOnlyThatAttributeAndIsNeverInitialized() {
        LanyardSettings s = settings("a");
        s.setAllowedClasses("io.lanyard.core.fixtures.Safe");
        RedisSessionStore a = store(s);
        String id = newId();
        SessionRecord r = a.create(id, 1800);
        r.setAttribute("user", "alice");
        r.setAttribute("obj", new io.lanyard.core.fixtures.Safe());
        a.save(r);
        byte[] key = a.sessionKey(id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] safe = raw.hget(key, "a:obj".getBytes());
        raw.hset(key, "a:obj".getBytes(), RefusedClassTest.replace(safe, "io.lanyard.core.fixtures.Safe", "io.lanyard.core.fixtures.Evil"));
        SessionRecord loaded = a.load(id);
        assertEquals("alice", loaded.getAttribute("user"));
        assertNull(loaded.getAttribute("obj"));
        assertEquals(1, a.metrics().getRefusedClasses());
        assertNull(System.getProperty("lanyard.test.evil.initialized"));
    }

    @Test
    void anAttributeThatCannotBeEncodedIsSkippedAndTheRestIsSaved() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord r = a.create(id, 1800);
        r.setAttribute("user", "alice");
        r.setAttribute("weird", new io.lanyard.core.fixtures.Weird());
        assertEquals(SaveResult.SAVED, a.save(r));
        Map<String, String> h = raw.hgetAll(a.sessionKey(id));
        assertEquals("s:alice", h.get("a:user"));
        assertNull(h.get("a:weird"));
        SessionRecord loaded = a.load(id);
        loaded.setAttribute("cart", new java.util.ArrayList<>(List.of("x")));
        loaded.setAttribute("weird", new io.lanyard.core.fixtures.Weird());
        assertEquals(SaveResult.SAVED, a.save(loaded));
        assertNotNull(raw.hget(a.sessionKey(id), "a:cart"));
    }

    @Test
    void removingAnUndecodableAttributeDeletesItFromRedis() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 1800));
        raw.hset(a.sessionKey(id), "a:broken", "i:notanumber");
        SessionRecord loaded = a.load(id);
        assertEquals(java.util.Set.of("broken"), loaded.undecodableAttributeNames());
        loaded.removeAttribute("broken");
        assertEquals(SaveResult.SAVED, a.save(loaded));
        assertNull(raw.hget(a.sessionKey(id), "a:broken"));
    }

    @Test
    void theIndexEntryIsWrittenBeforeTheNewSession() {
        RedisSessionStore a = store("a");
        a.save(a.create(newId(), 1800)); // warm the script cache
        try (RedisMonitor mon = RedisMonitor.start(redis)) {
            a.save(a.create(newId(), 1800));
            List<String> sent = mon.clientCommands();
            assertEquals(2, sent.size(), sent.toString());
            assertTrue(sent.get(0).contains("\"ZADD\""), sent.toString());
            assertTrue(sent.get(1).contains("\"EVALSHA\""), sent.toString());
        }
    }

    @Test
    void attributesAreDecodedOnlyWhenReadAndUnreadOnesAreNeverRewritten() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord r = a.create(id, 1800);
        r.setAttribute("box", new io.lanyard.core.fixtures.CountingBox());
        r.setAttribute("user", "alice");
        a.save(r);
        int before = io.lanyard.core.fixtures.CountingBox.CREATED.get();

        SessionRecord loaded = a.load(id);
        assertEquals(java.util.Set.of("box", "user"), loaded.attributeNames());
        assertEquals("alice", loaded.getAttribute("user"));
        loaded.setAttribute("user", "bob");
        assertEquals(SaveResult.SAVED, a.save(loaded));
        assertEquals(before, io.lanyard.core.fixtures.CountingBox.CREATED.get(), "the unread attribute was decoded");
        assertNotNull(raw.hget(a.sessionKey(id), "a:box"), "and it is still in Redis");

        SessionRecord again = a.load(id);
        java.util.List<String> decoded = new java.util.ArrayList<>();
        again.setDecodeListener((name, value) -> decoded.add(name));
        assertEquals("x", ((io.lanyard.core.fixtures.CountingBox) again.getAttribute("box")).content);
        assertEquals(List.of("box"), decoded);
        assertEquals(before + 1, io.lanyard.core.fixtures.CountingBox.CREATED.get());
    }
}
