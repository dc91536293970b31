package io.lanyard.core;

import io.lanyard.core.fixtures.Cart;
import io.lanyard.core.fixtures.Customer;
import io.lanyard.core.fixtures.Money;
import io.lanyard.core.fixtures.Note;
import io.lanyard.core.fixtures.Notebook;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots decide "unchanged" only when the encoding is still the stored bytes: every in-place
 * change a request can make is seen, and the randomized test checks that soundness against the
 * codec itself.
 */
class SnapshotTest {
    private final AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"),
            getClass().getClassLoader(), MetricsRecorder.create(false));

    /** Decodes {@code value}'s encoding (as a load does) and snapshots the decoded graph. */
    private final class Loaded<T> {
        final byte[] bytes;
        final T value;
        final Snapshot snapshot;

        @SuppressWarnings("unchecked")
        Loaded(Object original) throws Exception {
            bytes = codec.encode(original);
            value = (T) codec.decode(bytes);
            snapshot = codec.snapshot(value, bytes);
        }

        boolean unchanged() {
            return codec.unchanged(snapshot, value, bytes);
        }

        boolean encodesAsStored() {
            return Arrays.equals(codec.encode(value), bytes);
        }
    }

    private static Cart cart(int lines) {
        Cart c = new Cart();
        for (int i = 0; i < lines; i++) {
            c.add("SKU-" + i, i + 1, new BigDecimal("9.99"));
        }
        return c;
    }

    @Test
    void anUntouchedGraphIsUnchangedAndAnyInPlaceChangeIsSeen() throws Exception {
        Loaded<Cart> cart = new Loaded<>(cart(20));
        assertNotNull(cart.snapshot, "a cart of records in a list is snapshotted");
        assertTrue(cart.unchanged());
        assertTrue(cart.unchanged(), "comparing changes nothing");

        cart.value.lines().set(3, new Cart.Line("SKU-3", 99, new BigDecimal("9.99")));
        assertFalse(cart.unchanged(), "a line replaced in place");
        assertFalse(cart.encodesAsStored());

        Loaded<Cart> added = new Loaded<>(cart(2));
        added.value.add("SKU-new", 1, BigDecimal.ONE);
        assertFalse(added.unchanged(), "a line added");

        Loaded<Notebook> book = new Loaded<>(notebook());
        book.value.notes.get(1).text = "changed";
        assertFalse(book.unchanged(), "a field of a nested object");

        Loaded<HashMap<String, String>> prefs = new Loaded<>(new HashMap<>(Map.of("theme", "dark", "lang", "de")));
        prefs.value.put("lang", "fr");
        assertFalse(prefs.unchanged(), "a map value");

        Loaded<int[]> counters = new Loaded<>(new int[] {1, 2, 3});
        assertTrue(counters.unchanged());
        counters.value[2] = 4;
        assertFalse(counters.unchanged(), "a primitive array element");
    }

    @Test
    void anEqualImmutableValueSetInPlaceIsUnchangedAndEncodesTheSame() throws Exception {
        Loaded<Notebook> book = new Loaded<>(notebook());
        book.value.owner = new String("carol".toCharArray()); // another String instance, equal
        assertTrue(book.unchanged());
        assertTrue(book.encodesAsStored(), "equal immutable values encode alike");
    }

    @Test
    void sharedAndCyclicReferencesAreFollowedOnceAndARewiringIsSeen() throws Exception {
        Customer a = new Customer("a", Instant.EPOCH);
        Customer b = new Customer("b", Instant.EPOCH);
        a.referrer(b);
        b.referrer(a); // a cycle
        Loaded<List<Customer>> both = new Loaded<>(new ArrayList<>(List.of(a, b, a))); // and a shared reference
        assertNotNull(both.snapshot);
        assertTrue(both.unchanged());
        both.value.get(1).referrer(both.value.get(1)); // b now refers to itself
        assertFalse(both.unchanged());
        assertFalse(both.encodesAsStored());
    }

    @Test
    void anEqualButNewObjectCountsAsChangedTheEncodeHasTheLastWord() throws Exception {
        Loaded<Notebook> book = new Loaded<>(notebook());
        Note copy = new Note();
        copy.text = book.value.notes.get(0).text;
        book.value.notes.set(0, copy);
        assertFalse(book.unchanged(), "identity, not equality, for mutable objects");
        assertTrue(book.encodesAsStored(), "the byte comparison then finds nothing to write");
    }

    @Test
    void graphsOfUnknownShapeOrTooLargeAreNotSnapshotted() throws Exception {
        assertNull(new Loaded<>(new ArrayList<>(List.of(new Date(0)))).snapshot, "Date: another serializer");
        assertNull(new Loaded<>(new TreeMap<>(Map.of("a", "b"))).snapshot, "TreeMap: its comparator is written too");
        List<String> big = new ArrayList<>();
        for (int i = 0; i < Snapshot.MAX_OBSERVATIONS; i++) {
            big.add("s" + i);
        }
        assertNull(new Loaded<>(big).snapshot, "over the observation limit");
        assertNull(codec.snapshot(List.of("a", "b"), codec.encode(List.of("a", "b"))), "immutable collections: decoded each time");
    }

    @Test
    void anImmutableValueIsItsOwnSnapshot() throws Exception {
        String token = "eyJhbGciOiJIUzI1NiJ9." + "p".repeat(200) + ".signature";
        byte[] bytes = codec.encode(token);
        Snapshot s = codec.snapshot(token, bytes);
        assertNull(codec.snapshot(Boolean.TRUE, codec.encode(Boolean.TRUE)), "small values: decoded again rather than held");
        assertTrue(codec.unchanged(s, token, bytes), "held and taken back by the next load on this node");
        assertFalse(codec.unchanged(s, new String(token), bytes), "another object, even an equal one, is not the one decoded");
        assertFalse(codec.unchanged(s, token, bytes.clone()), "other bytes");
    }

    @Test
    void otherBytesOrAnotherObjectAreNeverUnchanged() throws Exception {
        Loaded<Cart> cart = new Loaded<>(cart(3));
        assertFalse(codec.unchanged(cart.snapshot, cart.value, cart.bytes.clone()), "the snapshot belongs to the bytes it was taken from");
        assertFalse(codec.unchanged(cart.snapshot, cart(3), cart.bytes), "another root object");
    }

    /**
     * Soundness, randomized: after random in-place operations (many of them no-ops or equal
     * values), whenever the snapshot says unchanged the value must hold exactly what the stored
     * bytes decode to.
     */
    @Test
    void unchangedAlwaysMeansTheSameEncoding() throws Exception {
        Random random = new Random(42);
        int unchangedSeen = 0;
        int changedSeen = 0;
        for (int round = 0; round < 2_000; round++) {
            Map<String, Object> shop = new LinkedHashMap<>();
            shop.put("notebook", notebook());
            Map<String, String> prefs0 = new HashMap<>();
            for (int i = 0; i < 3 + random.nextInt(10); i++) {
                prefs0.put("key" + i, "value" + i); // 3-12 entries: a decoded map's capacity may differ from this one's
            }
            prefs0.put("lang", "de");
            shop.put("prefs", prefs0);
            shop.put("numbers", new ArrayList<>(List.of(1, 2, 3)));
            Loaded<LinkedHashMap<String, Object>> loaded = new Loaded<>(shop);
            @SuppressWarnings("unchecked")
            Notebook book = (Notebook) loaded.value.get("notebook");
            @SuppressWarnings("unchecked")
            Map<String, String> prefs = (Map<String, String>) loaded.value.get("prefs");
            @SuppressWarnings("unchecked")
            List<Integer> numbers = (List<Integer>) loaded.value.get("numbers");
            switch (random.nextInt(10)) {
                case 0 -> { } // nothing
                case 1 -> book.owner = random.nextBoolean() ? "carol" : "dave";
                case 2 -> book.notes.get(random.nextInt(2)).text = random.nextBoolean() ? "remember" : "forget";
                case 3 -> prefs.put("lang", random.nextBoolean() ? "de" : "fr");
                case 4 -> prefs.put(random.nextBoolean() ? "theme" : "font", "dark");
                case 5 -> numbers.set(random.nextInt(3), random.nextInt(4));
                case 6 -> numbers.add(0, numbers.remove(numbers.size() - 1)); // rotate
                case 7 -> book.notes.add(book.notes.remove(0)); // reorder
                case 8 -> loaded.value.put("prefs", prefs); // same object again
                default -> book.notes.set(0, book.notes.get(1)); // now shared
            }
            boolean unchanged = loaded.unchanged();
            if (unchanged) {
                unchangedSeen++;
                // It holds exactly what decoding the stored bytes gives: it encodes as a fresh decode does.
                assertArrayEquals(codec.encode(codec.decode(loaded.bytes)), codec.encode(loaded.value),
                        "round " + round + ": said unchanged, but differs from what the stored bytes decode to");
            } else {
                changedSeen++;
            }
        }
        assertTrue(unchangedSeen > 100 && changedSeen > 100, "both outcomes exercised: " + unchangedSeen + " / " + changedSeen);
    }

    private static Notebook notebook() {
        Notebook n = new Notebook();
        Note first = new Note();
        Note second = new Note();
        second.text = "other";
        n.notes.add(first);
        n.notes.add(second);
        return n;
    }

    @Test
    void largeArraysAndCollectionsAreNotSnapshottedAndArraysAreComparedInPlace() throws Exception {
        assertNull(new Loaded<>(new byte[Snapshot.MAX_OBSERVATIONS]).snapshot, "a large array is encoded and compared instead");
        Loaded<byte[]> small = new Loaded<>(new byte[] {1, 2, 3});
        assertTrue(small.unchanged());
        small.value[0] = 9;
        assertFalse(small.unchanged());
    }

    @Test
    void recordsAreSnapshottedThroughTheirComponents() throws Exception {
        Loaded<ArrayList<Money>> prices = new Loaded<>(new ArrayList<>(List.of(new Money(BigDecimal.ONE, "EUR"))));
        assertNotNull(prices.snapshot);
        assertTrue(prices.unchanged());
        prices.value.set(0, new Money(BigDecimal.TEN, "EUR"));
        assertFalse(prices.unchanged());
        assertEquals(1, prices.value.size());
    }
}
