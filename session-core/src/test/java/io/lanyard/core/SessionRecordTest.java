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
        SessionRecord r = new SessionRecord("0123456789ABCDEF0123", 1L, 1L, 1L, 1800, 1_801_000L, 1, "a", false);
        r.putLoaded("lang", "en", codec.encode("en"));
        r.putLoaded("cart", new ArrayList<>(List.of("x")), codec.encode(new ArrayList<>(List.of("x"))));
        return r;
    }

    @Test
    void untouchedRecordHasAnEmptyDelta() {
        assertTrue(loaded().delta(codec).isEmpty());
    }

    @Test
    void aValueSetWhileAnIdChangeCopiedTheRecordIsStillSavedAfterIt() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = r.allEncoded(codec);
        r.setAttribute("lang", "de"); // a concurrent request on the same node, during the copy
        Changes.committedAll(r, copy, 2);
        Changes.Delta next = r.delta(codec);
        assertTrue(next.changed().containsKey("lang"), "the concurrent change is written by the next save: " + next.changed().keySet());
        assertFalse(next.changed().containsKey("cart"));
    }

    @Test
    void aValueRemovedWhileAnIdChangeCopiedTheRecordIsRemovedByTheNextSave() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = r.allEncoded(codec);
        r.removeAttribute("cart"); // a concurrent request, after the copy took the cart's bytes
        Changes.committedAll(r, copy, 2);
        assertEquals(List.of("cart"), r.delta(codec).removed());
    }

    @Test
    void afterAnIdChangeUnchangedValuesAreNotWrittenAgain() {
        SessionRecord r = loaded();
        r.setAttribute("lang", "de");
        Changes.committedAll(r, r.allEncoded(codec), 2);
        assertTrue(r.delta(codec).isEmpty());
    }

    @Test
    void updateAttributesFollowsTheContainersMapAndLeavesReservedOnesAlone() {
        SessionRecord r = loaded();
        r.putLoaded("io.lanyard.tomcat.principal", List.of("", "alice"), codec.encode(List.of("", "alice")));
        Object cart = r.getAttribute("cart");
        java.util.Map<String, Object> visible = new java.util.HashMap<>(java.util.Map.of("cart", cart, "theme", "dark"));
        r.updateAttributes(visible, List.of("cart", "io.lanyard.tomcat.principal"));
        Changes.Delta delta = r.delta(codec);
        assertEquals(java.util.Set.of("theme"), delta.changed().keySet(), "the unchanged cart is not rewritten");
        assertEquals(List.of("lang"), delta.removed(), "missing from the container's map: removed");
        assertEquals(List.of("", "alice"), r.getAttribute("io.lanyard.tomcat.principal"), "reserved: neither removed nor set");
    }
}
