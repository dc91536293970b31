package io.lanyard.core;

import io.lanyard.core.fixtures.Note;
import io.lanyard.core.fixtures.Notebook;
import io.lanyard.core.fixtures.Safe;
import io.lanyard.core.fixtures.Tags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15, items 1-4: bytes someone wrote into Redis cost at most their own attribute. Each test
 * writes crafted bytes into a session hash with Jedis, then reads through the store
 * ({@code load}/{@code getAttribute}), as a request would.
 */
class HostileBytesIT extends StoreTestBase {
    private final AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"),
            getClass().getClassLoader(), MetricsRecorder.create(false));

    /** A session of {@code attributes}, written as raw bytes (crafted or not) with Jedis. */
    private String session(RedisSessionStore store, Map<String, byte[]> attributes) {
        String id = newId();
        SessionRecord r = store.create(id, 1800);
        r.setAttribute("user", "alice");
        store.save(r);
        byte[] key = store.sessionKey(id).getBytes(StandardCharsets.UTF_8);
        attributes.forEach((name, bytes) -> raw.hset(key, ("a:" + name).getBytes(StandardCharsets.UTF_8), bytes));
        return id;
    }

    private static List<List<String>> otherUsersValue() {
        return new ArrayList<>(List.of(new ArrayList<>(List.of("red shoes", "size 42")), new ArrayList<>(List.of("hat"))));
    }

    // ---- 1. Kryo state never leaks between sessions ----

    @Test
    void aFailedEncodeLeavesNothingForTheNextSessionOnTheNode() {
        LanyardSettings s = settings("a");
        s.setAllowedClasses("io.lanyard.core.fixtures.Notebook");
        RedisSessionStore a = store(s);
        String other = session(store("b"), Map.of("matrix", codec.encode(otherUsersValue())));

        String id = newId();
        SessionRecord r = a.create(id, 1800);
        Notebook notebook = new Notebook();
        notebook.notes.add(new Note()); // Note is not allowed: the notebook cannot be stored
        r.setAttribute("notebook", notebook);
        r.setAttribute("user", "carol");
        a.save(r);
        assertNull(raw.hget(a.sessionKey(id), "a:notebook"));
        assertEquals("s:carol", raw.hget(a.sessionKey(id), "a:user"), "the other attribute is saved");

        // The next decode on this node (a single thread: the same pooled worker, if it were returned)
        for (int i = 0; i < 3; i++) {
            assertEquals(otherUsersValue(), a.load(other).getAttribute("matrix"));
        }
    }

    @Test
    void aDecodeThatFailsHalfWayLeavesNothingForTheNextSessionOnTheNode() {
        RedisSessionStore a = store("a");
        byte[] tags = codec.encode(new Tags());
        // tags = ["p", "q"]: the count (2 + 1, no nulls) before the first one-char string, raised by one
        byte[] countOneTooHigh = Crafted.replace(tags, new byte[]{3, (byte) 0x82, 'p'}, new byte[]{4, (byte) 0x82, 'p'});
        String hostile = session(a, Map.of("tags", countOneTooHigh));
        String other = session(a, Map.of("matrix", codec.encode(otherUsersValue())));

        for (int i = 0; i < 3; i++) {
            SessionRecord h = a.load(hostile);
            assertNull(h.getAttribute("tags"), "the crafted attribute is dropped");
            assertEquals("alice", h.getAttribute("user"));
            assertEquals(otherUsersValue(), a.load(other).getAttribute("matrix"), "the next user's value is intact");
        }
    }

    // ---- 2. depth is bounded by construction; nothing but absence escapes getAttribute ----

    @Test
    void nestingIsLimitedTo64LevelsWhateverTheStackLeft() throws Exception {
        Currency euro = Currency.getInstance("EUR");
        assertEquals(Crafted.nest(63, euro), codec.decode(codec.encode(Crafted.nest(63, euro))), "63 lists and a leaf: 64 levels");
        LanyardException tooDeep = assertThrows(LanyardException.class, () -> codec.encode(Crafted.nest(64, euro)));
        assertTrue(tooDeep.getMessage().contains("Max depth"), tooDeep.getMessage());

        RedisSessionStore a = store("a");
        Map<String, byte[]> attributes = new HashMap<>();
        for (int depth : List.of(64, 65, 100, 1_000, 5_000, 20_000)) {
            attributes.put("deep" + depth, Crafted.nested(codec, depth, euro));
        }
        attributes.put("fine", Crafted.nested(codec, 63, euro));
        String id = session(a, attributes);

        // On a thread with a small stack: the limit must not depend on how much stack is left.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<SessionRecord> loaded = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                SessionRecord r = a.load(id);
                for (String name : attributes.keySet()) {
                    r.getAttribute(name);
                }
                loaded.set(r);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "small-stack", 256 * 1024);
        small.start();
        small.join(TimeUnit.MINUTES.toMillis(2));
        assertNull(failure.get(), () -> "getAttribute threw " + failure.get());
        SessionRecord r = loaded.get();
        assertEquals(Crafted.nest(63, euro), r.getAttribute("fine"));
        for (int depth : List.of(64, 65, 100, 1_000, 5_000, 20_000)) {
            assertNull(r.getAttribute("deep" + depth), "depth " + depth);
        }
        assertEquals("alice", r.getAttribute("user"));
        assertEquals("EUR", Currency.getInstance("EUR").getCurrencyCode());
    }

    @Test
    void aClassWhoseInitializerFailsIsAnAbsentAttributeNotAnError() {
        RedisSessionStore a = store("a");
        byte[] bomb = RefusedClassTest.replace(codec.encode(new Safe()), "io.lanyard.core.fixtures.Safe", "io.lanyard.core.fixtures.Bomb");
        String id = session(a, Map.of("bomb", bomb, "list", codec.encode(new ArrayList<>(List.of(1, 2)))));
        for (int i = 0; i < 2; i++) { // ExceptionInInitializerError first, NoClassDefFoundError after
            SessionRecord r = a.load(id);
            assertNull(r.getAttribute("bomb"));
            assertEquals(List.of(1, 2), r.getAttribute("list"));
        }
    }

    // ---- 3. declared lengths, element caps, the session's budget ----

    private static long allocatedByThisThread(Runnable r) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        r.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void declaredLengthsAreCheckedAgainstTheBytesLeftBeforeAnythingIsAllocated() {
        List<Integer> ints = new ArrayList<>();
        Map<Integer, Integer> map = new HashMap<>();
        Object[] objects = new Object[37];
        for (int i = 0; i < 37; i++) {
            ints.add(i);
            map.put(i, i);
            objects[i] = "o";
        }
        // Each template holds 37 of something (count + 1 = 38 = '&', a byte no class name ends with);
        // the crafted copy declares 25 million, or 10^8 chars, in a few bytes.
        int huge = 25_000_000;
        Map<String, byte[]> attributes = new HashMap<>();
        attributes.put("list", Crafted.replace(codec.encode(ints), Crafted.varIntFlag(true, 38), Crafted.varIntFlag(true, huge)));
        attributes.put("map", Crafted.replace(codec.encode(map), Crafted.varInt(38), Crafted.varInt(huge)));
        attributes.put("objects", Crafted.replace(codec.encode(objects), Crafted.varInt(38), Crafted.varInt(huge)));
        attributes.put("ints", Crafted.replace(codec.encode(new int[37]), Crafted.varInt(38), Crafted.varInt(huge)));
        attributes.put("booleans", Crafted.replace(codec.encode(new boolean[37]), Crafted.varInt(38), Crafted.varInt(huge)));
        attributes.put("bytes", Crafted.replace(codec.encode(new byte[37]), Crafted.varInt(38), Crafted.varInt(huge)));
        attributes.put("string", Crafted.replace(codec.encode(new ArrayList<>(List.of("ü"))),
                new byte[]{(byte) 0x82, (byte) 0xC3, (byte) 0xBC}, concat(Crafted.varIntFlag(true, 100_000_001), new byte[]{(byte) 0xC3, (byte) 0xBC})));
        attributes.put("bigint", Crafted.replace(codec.encode(new ArrayList<>(List.of(BigInteger.valueOf(7)))),
                new byte[]{2, 7}, concat(Crafted.varInt(huge), new byte[]{7})));
        RedisSessionStore a = store("a");
        String id = session(a, attributes);
        for (String name : attributes.keySet()) {
            SessionRecord r = a.load(id);
            long allocated = allocatedByThisThread(() -> assertNull(r.getAttribute(name), name));
            assertTrue(allocated < 16_000_000, name + ": " + allocated + " bytes allocated for " + attributes.get(name).length + " stored");
        }
        assertEquals("alice", a.load(id).getAttribute("user"));
    }

    @Test
    void nestedCollectionsCannotEachClaimTheSameBytes() {
        // 50 nested lists around a 1 MB string; each list claims 900,000 elements. Each claim alone
        // fits in the bytes left, but all are open at once: unchecked, they would allocate 50 x 900,000
        // slots before reading any. Each list's count is the byte 0x82 (one element, flagged "one type").
        byte[] nested = Crafted.nested(codec, 50, "x".repeat(1_000_000));
        byte[] claiming = Crafted.replaceAll(nested, (byte) 0x82, Crafted.varIntFlag(true, 900_001));
        RedisSessionStore a = store(largeSessions("a"));
        String id = session(a, Map.of("nested", claiming, "fine", nested));
        SessionRecord r = a.load(id);
        long allocated = allocatedByThisThread(() -> assertNull(r.getAttribute("nested")));
        assertTrue(allocated < 20_000_000, allocated + " bytes allocated for " + claiming.length + " stored");
        assertEquals(Crafted.nest(50, "x".repeat(1_000_000)), r.getAttribute("fine"));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void anAttributesWorkIsBoundedByItsOwnSize() throws Exception {
        // A set of 200 lists that all hold one shared list of 1,000 strings. Kryo writes the shared
        // list once (3 KB in all), but hashing the 200 keys visits 200,000 strings: far more work
        // per stored byte than real data needs.
        List<Object> shared = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            shared.add("s" + i);
        }
        Set<Object> keys = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            keys.add(new ArrayList<>(List.of(i, shared)));
        }
        byte[] heavy = codec.encode(keys);
        long units = 200L * 1000;
        assertTrue(units > DecodeBudget.forBytes(heavy.length).capacity());
        assertEquals(keys, codec.decode(heavy, DecodeBudget.forBytes(2 * units)), "with budget enough, the value is fine");

        Map<String, byte[]> attributes = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            attributes.put("heavy" + i, heavy);
        }
        attributes.put("list", codec.encode(new ArrayList<>(shared)));
        RedisSessionStore a = store("a");
        SessionRecord r = a.load(session(a, attributes));
        for (int i = 0; i < 20; i++) {
            assertNull(r.getAttribute("heavy" + i));
        }
        assertEquals(shared, r.getAttribute("list"), "the heavy attributes did not use up the others' budget");
        assertEquals("alice", r.getAttribute("user"));
    }

    @Test
    void sharedReferencesCannotMultiplyWhatHashCodeOrEqualsVisit() throws Exception {
        // 60 levels of lists, each holding the previous one twice: 200 bytes, 2^60 elements to a hashCode.
        List<Object> doubling = new ArrayList<>(List.of("x"));
        for (int i = 0; i < 60; i++) {
            doubling = new ArrayList<>(List.of(doubling, doubling));
        }
        // As a HashSet element (the set's own decode would hash it): added while empty, filled afterwards.
        List<Object> key = new ArrayList<>();
        Set<Object> set = new HashSet<>(Set.of(key));
        key.add(doubling);
        key.add(doubling);
        // A list that holds itself, as a set element; and a chain of 300 lists, each holding the previous.
        List<Object> self = new ArrayList<>();
        Set<Object> selfSet = new HashSet<>(Set.of(self));
        self.add(self);
        List<Object> chain = new ArrayList<>();
        List<Object> previous = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            List<Object> next = new ArrayList<>(List.of(previous));
            chain.add(next);
            previous = next;
        }
        RedisSessionStore a = store("a");
        String id = session(a, Map.of("set", codec.encode(set), "list", codec.encode(doubling),
                "self", codec.encode(selfSet), "chain", codec.encode(chain)));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            SessionRecord r = a.load(id);
            for (String name : List.of("set", "list", "self", "chain")) {
                assertNull(r.getAttribute(name), name);
            }
        });
    }

    // ---- 4. hash flooding ----

    /** 59,049 list keys with one hash code, in 1.5 MB: built with distinct keys, then changed in place. */
    private static Map<Object, Object> collidingMap() {
        List<String> colliding = Crafted.collidingStrings(10);
        Map<Object, Object> map = new HashMap<>();
        List<List<String>> keys = new ArrayList<>();
        for (int i = 0; i < colliding.size(); i++) {
            List<String> k = new ArrayList<>(List.of("k" + i));
            keys.add(k);
            map.put(k, i);
        }
        for (int i = 0; i < keys.size(); i++) {
            keys.get(i).set(0, colliding.get(i)); // no rehash: the map is only written, never read here
        }
        return map;
    }

    private LanyardSettings largeSessions(String node) {
        LanyardSettings s = settings(node);
        s.setMaxSessionBytes(4 * 1024 * 1024);
        return s;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // unbounded, the flooded map alone took 93 s of CPU
    void collidingKeysCannotMakeDecodingQuadratic() {
        List<String> distinct = new ArrayList<>();
        for (int i = 0; i < 59_049; i++) {
            distinct.add("distinct-key-" + i);
        }
        Map<Object, Object> fair = new HashMap<>();
        for (String d : distinct) {
            fair.put(new ArrayList<>(List.of(d)), d.length());
        }
        RedisSessionStore a = store(largeSessions("a"));
        String id = session(a, Map.of("flood", codec.encode(collidingMap()), "fair", codec.encode(fair),
                "setFlood", Crafted.setOf(Crafted.collidingStrings(10)), "fairSet", Crafted.setOf(distinct),
                "small", Crafted.setOf(List.of("a", "b", "c"))));
        SessionRecord r = a.load(id);
        assertEquals(Set.of("a", "b", "c"), r.getAttribute("small"), "the crafting helper writes Set.of as Kryo does");
        assertNull(r.getAttribute("flood"));
        assertNull(r.getAttribute("setFlood"));
        // (assertTrue: a failure message must not print 59,049 keys)
        assertTrue(fair.equals(r.getAttribute("fair")), "as many keys with fair hash codes decode");
        assertTrue(Set.copyOf(distinct).equals(r.getAttribute("fairSet")), "as many distinct strings in a Set.of decode");
    }

    /** A list that unfolds to 2^depth strings: each level holds the level below twice (written once, then back-referenced). */
    private static List<Object> doubling(int depth) {
        List<Object> x = new ArrayList<>(List.of("x", "x"));
        for (int i = 1; i < depth; i++) {
            x = new ArrayList<>(List.of(x, x));
        }
        return x;
    }

    /**
     * 1,000 list keys [a list unfolding to 2,048 strings, a tail] whose tails share one hash code,
     * so every pair of keys is compared element by element; after 100 KB of padding, which buys the
     * budget their hash codes cost. Built with distinct tails, then changed in place.
     */
    private static List<Object> dearCollidingKeys() {
        List<String> tails = Crafted.collidingStrings(7);
        Set<Object> set = new HashSet<>();
        List<List<Object>> made = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            List<Object> k = new ArrayList<>(List.of(doubling(10), "tail-" + i));
            made.add(k);
            set.add(k);
        }
        for (int i = 0; i < made.size(); i++) {
            made.get(i).set(1, tails.get(i)); // no rehash: the set is only written, never read here
        }
        return new ArrayList<>(List.of("p".repeat(100_000), set));
    }

    /** Security review: this 192 KB value decoded, in 4.8 s of CPU, when each comparison was charged one unit. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void collidingKeysPayForEveryElementTheirComparisonsVisit() {
        RedisSessionStore a = store(largeSessions("a"));
        String id = session(a, Map.of("dear", codec.encode(dearCollidingKeys())));
        SessionRecord r = a.load(id);
        assertNull(r.getAttribute("dear"), "refused by its work budget, not decoded");
        assertEquals("alice", r.getAttribute("user"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theExpiryScavengerDecodesWithinTheSameBounds() {
        RedisSessionStore a = store(largeSessions("a"));
        String id = newId();
        SessionRecord r = a.create(id, 60);
        r.setAttribute("user", "alice");
        a.save(r);
        byte[] key = a.sessionKey(id).getBytes(StandardCharsets.UTF_8);
        raw.hset(key, "a:flood".getBytes(StandardCharsets.UTF_8), codec.encode(collidingMap()));
        raw.hset(key, "a:deep".getBytes(StandardCharsets.UTF_8), Crafted.nested(codec, 10_000, "x"));
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        Map<String, Object> seen = new ConcurrentHashMap<>();
        assertEquals(1, a.scavenge(expired -> {
            for (String name : List.of("user", "flood", "deep")) {
                Object v = expired.getAttribute(name);
                seen.put(name, v == null ? "absent" : v);
            }
        }));
        assertEquals(Map.of("user", "alice", "flood", "absent", "deep", "absent"), seen);
    }
}
