package io.lanyard.core;

import io.lanyard.core.fixtures.NameComparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15, items 5-7: what hostile records in Redis can do to logs and loads, and the exact
 * allowlist, through the store against a real Redis.
 */
class HostileRecordIT extends StoreTestBase {
    private final List<LogRecord> logged = Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final List<Logger> loggers = List.of(Logger.getLogger(AttributeCodec.class.getName()),
            Logger.getLogger(RedisSessionStore.class.getName()), Logger.getLogger(Expiry.class.getName()));

    @BeforeEach
    void captureLogs() {
        loggers.forEach(l -> l.addHandler(capture));
    }

    @AfterEach
    void releaseLogs() {
        loggers.forEach(l -> l.removeHandler(capture));
    }

    private List<String> messages(String containing) {
        synchronized (logged) {
            return logged.stream().map(LogRecord::getMessage).filter(m -> m.contains(containing)).toList();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- 5. log-once sets are bounded; values from Redis are escaped in log lines ----

    @Test
    void refusedNamesFromRedisAreLoggedAtMostAThousandTimes() {
        LanyardSettings s = settings("a");
        s.setMaxSessionBytes(8 * 1024 * 1024);
        RedisSessionStore a = store(s);
        AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"),
                getClass().getClassLoader(), MetricsRecorder.create(false));
        byte[] template = codec.encode(new io.lanyard.core.fixtures.Safe());
        String id = newId();
        a.save(a.create(id, 1800));
        String pad = "x".repeat(2000);
        Map<byte[], byte[]> fields = new HashMap<>();
        for (int i = 0; i < 1100; i++) { // distinct long class names under distinct long attribute names
            fields.put(utf8("a:attribute-" + i + pad), Crafted.renameClass(template, "io.lanyard.core.fixtures.Safe",
                    "com.evil.Gadget" + i + pad));
        }
        raw.hset(utf8(a.sessionKey(id)), fields);

        SessionRecord r = a.load(id);
        for (int i = 0; i < 1100; i++) {
            assertNull(r.getAttribute("attribute-" + i + pad));
        }
        assertEquals(1100, a.metrics().getRefusedClasses(), "every refusal is counted");
        assertEquals(LogOnce.CAPACITY, messages("refused to load class").size(), "one line per distinct name, at most 1000");
        assertEquals(LogOnce.CAPACITY, messages("dropped attribute").size());
        assertTrue(messages("refused to load class").stream().allMatch(m -> m.length() < 600), "names are cut in log lines");
    }

    @Test
    void valuesFromRedisCannotForgeLogLines() {
        RedisSessionStore a = store("a");
        String id = alicesSession(a);
        raw.hset(utf8(a.sessionKey(id)), utf8("a:x\nSEVERE: forged attribute line"), new byte[]{'K', 1, 2, 3});
        SessionRecord loaded = a.load(id);
        assertNull(loaded.getAttribute("x\nSEVERE: forged attribute line"));
        List<String> drops = messages("dropped attribute");
        assertEquals(1, drops.size());
        assertFalse(drops.get(0).contains("\n"), drops.get(0));
        assertTrue(drops.get(0).contains("x\\u000aSEVERE"), drops.get(0));

        raw.hset(a.sessionKey(id), "created", "1\nSEVERE: forged metadata line");
        LanyardException.UnreadableSessionException e = assertThrows(LanyardException.UnreadableSessionException.class,
                () -> a.load(id));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("\\u000aSEVERE"), e.getMessage());
    }

    /** A saved session whose one attribute is {@code user = alice}; returns its id. */
    private static String alicesSession(RedisSessionStore store) {
        String id = newId();
        SessionRecord r = store.create(id, 1800);
        r.setAttribute("user", "alice");
        store.save(r);
        return id;
    }

    @Test
    void aValueThatDecodesToNullCostsOnlyItsOwnAttribute() {
        RedisSessionStore a = store("a");
        String id = alicesSession(a);
        byte[] nullValue = {'K', 0}; // Kryo's null: no encoder writes it
        raw.hset(utf8(a.sessionKey(id)), utf8("a:nothing"), nullValue);
        ActiveSession request = a.enter(id);
        assertNull(request.record().getAttribute("nothing"), "not decodable: reads as absent");
        assertEquals("alice", request.record().getAttribute("user"));
        request.record().setAttribute("seen", Boolean.TRUE);
        assertNull(request.leave(null), "the request and its save go on");
        assertEquals(1, messages("dropped attribute").size());
        assertArrayEquals(nullValue, raw.hget(utf8(a.sessionKey(id)), utf8("a:nothing")), "kept in Redis as it was");
        assertEquals(Boolean.TRUE, a.load(id).getAttribute("seen"));
    }

    // ---- 6. loads are bounded in Redis ----

    @Test
    void aSessionTooLargeToLoadIsNoSessionNeverAnOutage() {
        LanyardSettings s = settings("a");
        s.setMaxSessionBytes(16 * 1024); // load limits: 1,024 fields, 2 x 16 KiB + 64 KiB bytes
        RedisSessionStore a = store(s);
        assertEquals(1024, SessionReader.loadMaxFields(s.getMaxSessionBytes()));
        assertEquals(98_304, SessionReader.loadMaxBytes(s.getMaxSessionBytes()));

        String manyFields = newId();
        a.save(a.create(manyFields, 1800));
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i < 1100; i++) {
            fields.put("a:f" + i, "i:" + i);
        }
        raw.hset(a.sessionKey(manyFields), fields);
        String manyBytes = newId();
        a.save(a.create(manyBytes, 1800));
        raw.hset(a.sessionKey(manyBytes), "a:big", "s:" + "x".repeat(100_000));
        String fine = newId();
        SessionRecord f = a.create(fine, 1800);
        f.setAttribute("user", "alice");
        a.save(f);
        String accessedBefore = raw.hget(a.sessionKey(manyBytes), "accessed");
        clock.advance(java.time.Duration.ofSeconds(5));

        for (int i = 0; i < 3; i++) {
            assertNull(a.load(manyFields));
            assertNull(a.load(manyBytes));
            assertNull(a.peek(manyBytes), "the expiry scavenger's read is bounded too");
            assertEquals("alice", a.load(fine).getAttribute("user"));
        }
        assertFalse(a.isRedisDown(), "Redis answered: no breaker");
        assertEquals(accessedBefore, raw.hget(a.sessionKey(manyBytes), "accessed"), "a refused record is not touched");
        List<String> tooLarge = messages("session too large");
        assertEquals(2, tooLarge.size(), "one line per session: " + tooLarge);
        long storedFields = raw.hlen(a.sessionKey(manyFields)); // 1,100 crafted ones and the metadata
        assertTrue(storedFields > 1100 && tooLarge.stream().anyMatch(m -> m.contains(storedFields + " fields")), tooLarge.toString());
        assertTrue(tooLarge.stream().noneMatch(m -> m.contains("unreachable")), tooLarge.toString());
    }

    /**
     * The existence check and the scavenger's re-check read one metadata field. A crafted expiry of
     * 10 MB must not be sent to the node for either: it is reported as unreadable, the index entry
     * is dropped, and Redis sends well under a megabyte for all of it.
     */
    @Test
    void aCraftedHugeExpiryIsNeverSentToTheNode() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 60));
        String huge = "1".repeat(10 * 1024 * 1024);
        raw.hset(a.sessionKey(id), "expiry", huge);
        String shard = "lanyard:shop:expiry:" + io.lanyard.testsupport.ExpiryIndex.shardOf(id, a.settings().getExpiryShards());
        raw.zadd(shard, 1, id); // due long ago: the next claim re-checks it against the hash
        long sentBefore = bytesSentByRedis();

        LanyardException.UnreadableSessionException e = assertThrows(LanyardException.UnreadableSessionException.class,
                () -> a.exists(id));
        assertTrue(e.getMessage().contains("too long to be a number"), e.getMessage());
        assertEquals(List.of(), a.expiry().claimAll(), "an unreadable expiry is nothing to expire");
        assertNull(raw.zscore(shard, id), "its index entry is dropped");
        assertNull(a.load(id), "too large to load: no session");
        assertNull(a.peek(id));

        long sent = bytesSentByRedis() - sentBefore;
        assertTrue(sent < 1024 * 1024, "Redis sent " + sent + " bytes");
        assertEquals(huge.length(), raw.hstrlen(a.sessionKey(id), "expiry"), "left in Redis untouched");
    }

    /** An invalidate reads the principal, expiry and created fields capped too: huge crafted ones stay in Redis, and go with the hash. */
    @Test
    void anInvalidateNeverReadsCraftedHugeFields() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 60));
        String huge = "1".repeat(4 * 1024 * 1024);
        for (String field : List.of("principal", "expiry", "created")) {
            raw.hset(a.sessionKey(id), field, huge);
        }
        long sentBefore = bytesSentByRedis();

        assertTrue(a.delete(id), "invalidated");
        assertFalse(raw.exists(a.sessionKey(id)), "the hash is gone");

        long sent = bytesSentByRedis() - sentBefore;
        assertTrue(sent < 1024 * 1024, "Redis sent " + sent + " bytes");
    }

    /** On the request path (Tomcat's) unreadable metadata is no session, with one WARNING per id. */
    @Test
    void unreadableMetadataIsNoSessionOnTheRequestPathLoggedOncePerSession() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.save(a.create(id, 1800));
        raw.hset(a.sessionKey(id), "maxInactive", "garbage");
        assertThrows(LanyardException.UnreadableSessionException.class, () -> a.load(id));
        for (int i = 0; i < 3; i++) {
            assertNull(a.loadReadable(id));
        }
        List<String> lines = messages("treating it as no session");
        assertEquals(1, lines.size(), lines.toString());
        assertFalse(a.isRedisDown());
    }

    /**
     * Security review: a version or an expiry at the 64-bit limit loaded, then every save failed in
     * its {@code HINCRBY} or {@code PEXPIRE} after writing the attributes; an expiry of {@code nan}
     * or {@code inf} written after the load passed {@code save.lua}'s checks ({@code nan} left the
     * hash without a TTL). Now such metadata is unreadable at load, and a save that meets it (set
     * after the load) writes nothing.
     */
    @Test
    void aVersionOrExpiryOutsideWhatLanyardWritesIsUnreadableAndASaveWritesNothing() {
        RedisSessionStore a = store("a");
        for (String field : List.of("version", "expiry")) {
            for (String crafted : List.of(Long.toString(Long.MAX_VALUE), "nan", "inf", "-1", "+1", "1e3", "1000000000000000")) {
                String id = savedSession(a);
                SessionRecord loaded = a.load(id);
                long ttl = raw.pttl(a.sessionKey(id));
                raw.hset(a.sessionKey(id), field, crafted);
                String what = field + "=" + crafted;

                loaded.setAttribute("user", "bob");
                loaded.setAttribute("cart", "new");
                LanyardException.UnreadableSessionException e = assertThrows(LanyardException.UnreadableSessionException.class,
                        () -> a.save(loaded), what);
                assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
                assertEquals("s:alice", raw.hget(a.sessionKey(id), "a:user"), what + ": nothing written");
                assertNull(raw.hget(a.sessionKey(id), "a:cart"), what + ": nothing written");
                long left = raw.pttl(a.sessionKey(id));
                assertTrue(left > 0 && left <= ttl, what + ": the TTL stays (" + left + " ms)");

                try {
                    assertNull(a.load(id), what + ": no session (an expiry of +1 reads as long past)");
                } catch (LanyardException.UnreadableSessionException atLoad) {
                    assertTrue(atLoad.getMessage().contains(field), atLoad.getMessage());
                }
            }
        }
        String id = savedSession(a);
        raw.hset(a.sessionKey(id), "version", "999999999999999");
        assertEquals("alice", a.load(id).getAttribute("user"), "15 digits are a version");
    }

    /**
     * Security review: field names {@code a:\xff} and {@code a:\xfe} both read as the name U+FFFD, so
     * one value hid the other and a remove deleted a third field. Names that are not UTF-8 are left
     * alone: not attributes, never rewritten or deleted by a save, logged once.
     */
    @Test
    void attributeFieldNamesThatAreNotUtf8AreLeftAlone() {
        RedisSessionStore a = store("a");
        String id = savedSession(a);
        byte[] key = utf8(a.sessionKey(id));
        byte[] ff = {'a', ':', (byte) 0xff};
        byte[] fe = {'a', ':', (byte) 0xfe};
        raw.hset(key, ff, utf8("s:one"));
        raw.hset(key, fe, utf8("s:two"));

        SessionRecord loaded = a.load(id);
        assertEquals(Set.of("user"), loaded.attributeNames());
        loaded.removeAttribute("\uFFFD");
        loaded.setAttribute("user", "bob");
        a.save(loaded);
        assertArrayEquals(utf8("s:one"), raw.hget(key, ff), "left in Redis untouched");
        assertArrayEquals(utf8("s:two"), raw.hget(key, fe), "left in Redis untouched");
        assertEquals("bob", a.load(id).getAttribute("user"));
        assertEquals(1, messages("its field name is not UTF-8").size(), "logged once per name: " + messages("not UTF-8"));
    }

    /**
     * Security review: an expiry index entry whose session key is not a hash made the claim's
     * state read fail with WRONGTYPE, which ended the whole pass, every pass (an id sorting first
     * comes up first): no session of any user expired. Now that entry alone is dropped.
     */
    @Test
    void anIndexEntryWhoseSessionIsNotAHashCostsOnlyItself() {
        LanyardSettings s = settings("a");
        s.setExpiryShards(1);
        RedisSessionStore a = store(s);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = newId();
            a.save(a.create(id, 60));
            ids.add(id);
        }
        String notAHash = "0".repeat(32);
        raw.set(a.sessionKey(notAHash), "a string");
        raw.zadd("lanyard:shop:expiry:0", 1, notAHash); // due long ago, first in the shard
        clock.advance(PAST_A_MINUTE_TIMEOUT);

        List<String> destroyed = new ArrayList<>();
        assertEquals(5, a.scavenge(r -> destroyed.add(r.id())));
        assertEquals(Set.copyOf(ids), Set.copyOf(destroyed));
        assertNull(raw.zscore("lanyard:shop:expiry:0", notAHash), "the entry is dropped");
        assertEquals("a string", raw.get(a.sessionKey(notAHash)), "the key itself is left alone");
        assertEquals(1, messages("dropped the expiry index entry").size());
    }

    /** Everything Redis has sent to its clients so far (the raw client's INFO replies are a few KB). */
    private static long bytesSentByRedis() {
        return raw.info("stats").lines().filter(l -> l.startsWith("total_net_output_bytes:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
    }

    // ---- 7. the allowlist is exact ----

    @Test
    void aJavaTimeInternalIsRefusedBeforeItIsLoaded() {
        RefusedClassTest.RecordingLoader loader = new RefusedClassTest.RecordingLoader(getClass().getClassLoader());
        LanyardSettings s = settings("a");
        s.validate("/shop");
        RedisSessionStore a = RedisSessionStore.start(s, loader, clock);
        try {
            TreeMap<String, String> sorted = new TreeMap<>(new NameComparator());
            sorted.put("b", "2");
            sorted.put("a", "1");
            AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"),
                    getClass().getClassLoader(), MetricsRecorder.create(false));
            byte[] bytes = codec.encode(sorted);
            String id = alicesSession(a);
            raw.hset(utf8(a.sessionKey(id)), utf8("a:legit"), bytes);
            // java.time.format.DateTimeTextProvider$1: a comparator java.time.** used to admit
            raw.hset(utf8(a.sessionKey(id)), utf8("a:sorted"), RefusedClassTest.replace(bytes,
                    "io.lanyard.core.fixtures.NameComparator", "java.time.format.DateTimeTextProvider$1"));
            SessionRecord loaded = a.load(id);
            assertEquals(sorted, loaded.getAttribute("legit"));
            assertNull(loaded.getAttribute("sorted"));
            assertEquals("alice", loaded.getAttribute("user"));
            assertFalse(loader.requested.contains("java.time.format.DateTimeTextProvider$1"), "the class loader was asked");
            assertEquals(1, a.metrics().getRefusedClasses());
        } finally {
            a.close();
        }
    }
}
