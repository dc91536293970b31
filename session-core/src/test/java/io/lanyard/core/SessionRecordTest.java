package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Change tracking of one record, without Redis: what the next save would write. */
class SessionRecordTest {
    private final AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse(""), getClass().getClassLoader(),
            MetricsRecorder.create(false));

    private SessionRecord loaded() {
        SessionRecord r = new SessionRecord("0123456789ABCDEF0123", 1L, 1L, 1L, 1800, 1_801_000L, 1, "a", false, new TouchPolicy(-1));
        r.putLoaded("lang", "en", codec.encode("en"));
        r.putLoaded("cart", new ArrayList<>(List.of("x")), codec.encode(new ArrayList<>(List.of("x"))));
        return r;
    }

    /** As loaded from Redis: nothing decoded or read yet. */
    private SessionRecord fresh() {
        SessionRecord r = new SessionRecord("0123456789ABCDEF0123", 1L, 1L, 1L, 1800, 1_801_000L, 1, "a", false, new TouchPolicy(-1));
        r.putPending("lang", codec.encode("en"));
        r.putPending("cart", codec.encode(new ArrayList<>(List.of("x"))));
        r.decoder = PendingAttributes.of(codec, null, (name, e) -> {
            throw new AssertionError(e);
        });
        return r;
    }

    @Test
    void onlyMutableAttributesReadSinceTheLoadAreCompared() {
        SessionRecord r = fresh();
        assertFalse(r.mayHaveChanged(), "nothing read");
        assertEquals(List.of(), Changes.delta(r, codec).compared());
        assertEquals("en", r.getAttribute("lang"));
        assertFalse(r.mayHaveChanged(), "an immutable value read cannot have changed");
        assertEquals(List.of(), Changes.delta(r, codec).compared());
        r.getAttribute("cart");
        assertTrue(r.mayHaveChanged(), "a list handed out may be changed in place");
        assertEquals(List.of("cart"), Changes.delta(r, codec).compared());
    }

    /**
     * Tomcat's login is a {@code List.copyOf} of strings, read on every request of a signed-in
     * session: an immutable collection of immutable values, never re-encoded unless set again,
     * and saved when it is.
     */
    @Test
    void anImmutableListOfStringsReadIsNotComparedButSavedWhenSet() {
        SessionRecord r = fresh();
        r.putPending("io.lanyard.login", codec.encode(List.copyOf(List.of("FORM", "alice", "user"))));
        assertEquals(List.of("FORM", "alice", "user"), r.getAttribute("io.lanyard.login"));
        assertFalse(r.mayHaveChanged(), "read, but it cannot change in place");
        assertEquals(List.of(), Changes.delta(r, codec).compared());
        r.setAttribute("io.lanyard.login", List.of("FORM", "bob"));
        Changes.Delta d = Changes.delta(r, codec);
        assertEquals(java.util.Set.of("io.lanyard.login"), d.changed().keySet(), "a new login is written");
        Changes.committed(r, d, 2, true);
        assertFalse(r.mayHaveChanged());
        r.setAttribute("io.lanyard.login", List.of("FORM", "bob"));
        assertTrue(Changes.delta(r, codec).isEmpty(), "set again to an equal value: compared, same bytes, nothing to write");
    }

    @Test
    void aMutableValueReadAndUnchangedIsComparedWithoutBeingWritten() {
        SessionRecord r = fresh();
        @SuppressWarnings("unchecked")
        List<String> cart = (List<String>) r.getAttribute("cart");
        Changes.Delta d = Changes.delta(r, codec);
        assertEquals(List.of("cart"), d.compared());
        assertTrue(d.isEmpty(), "same bytes");
        assertTrue(d.totalBytes() > 0, "its stored size still counts towards maxSessionBytes");
        cart.add("y");
        assertEquals(java.util.Set.of("cart"), Changes.delta(r, codec).changed().keySet(), "changed in place: written");
    }

    @Test
    void aSaveThatForgetsReadsLetsTheNextSaveCompareOnlyWhatWasReadAgain() {
        SessionRecord r = fresh();
        r.getAttribute("cart");
        Changes.committed(r, Changes.delta(r, codec), 0, false);
        assertEquals(List.of("cart"), Changes.delta(r, codec).compared(), "other requests may hold the list: compared again");
        Changes.committed(r, Changes.delta(r, codec), 0, true);
        assertFalse(r.mayHaveChanged());
        assertEquals(List.of(), Changes.delta(r, codec).compared(), "not read since: not compared");
        @SuppressWarnings("unchecked")
        List<String> cart = (List<String>) r.getAttribute("cart");
        cart.add("y");
        Changes.Delta next = Changes.delta(r, codec);
        assertTrue(next.changed().containsKey("cart"), "read again and changed in place: saved");
    }

    @Test
    void aRemovedAttributeIsAChange() {
        SessionRecord r = fresh();
        r.removeAttribute("lang");
        assertTrue(r.mayHaveChanged());
        assertEquals(List.of("lang"), Changes.delta(r, codec).removed());
    }

    @Test
    void untouchedRecordHasAnEmptyDelta() {
        assertTrue(Changes.delta(loaded(), codec).isEmpty());
    }

    @Test
    void aValueSetWhileAnIdChangeCopiedTheRecordIsStillSavedAfterIt() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = Changes.allEncoded(r, codec);
        r.setAttribute("lang", "de"); // a concurrent request on the same node, during the copy
        Changes.committedAll(r, copy, 2);
        Changes.Delta next = Changes.delta(r, codec);
        assertTrue(next.changed().containsKey("lang"), "the concurrent change is written by the next save: " + next.changed().keySet());
        assertFalse(next.changed().containsKey("cart"));
    }

    @Test
    void aValueRemovedWhileAnIdChangeCopiedTheRecordIsRemovedByTheNextSave() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = Changes.allEncoded(r, codec);
        r.removeAttribute("cart"); // a concurrent request, after the copy took the cart's bytes
        Changes.committedAll(r, copy, 2);
        assertEquals(List.of("cart"), Changes.delta(r, codec).removed());
    }

    @Test
    void afterAnIdChangeUnchangedValuesAreNotWrittenAgain() {
        SessionRecord r = loaded();
        r.setAttribute("lang", "de");
        Changes.committedAll(r, Changes.allEncoded(r, codec), 2);
        assertTrue(Changes.delta(r, codec).isEmpty());
    }

    @Test
    void updateAttributesFollowsTheContainersMapAndLeavesReservedOnesAlone() {
        SessionRecord r = loaded();
        r.putLoaded("io.lanyard.tomcat.principal", List.of("", "alice"), codec.encode(List.of("", "alice")));
        Object cart = r.getAttribute("cart");
        java.util.Map<String, Object> visible = new java.util.HashMap<>(java.util.Map.of("cart", cart, "theme", "dark"));
        r.updateAttributes(visible, List.of("cart", "io.lanyard.tomcat.principal"));
        Changes.Delta delta = Changes.delta(r, codec);
        assertEquals(java.util.Set.of("theme"), delta.changed().keySet(), "the unchanged cart is not rewritten");
        assertEquals(List.of("lang"), delta.removed(), "missing from the container's map: removed");
        assertEquals(List.of("", "alice"), r.getAttribute("io.lanyard.tomcat.principal"), "reserved: neither removed nor set");
    }
}
