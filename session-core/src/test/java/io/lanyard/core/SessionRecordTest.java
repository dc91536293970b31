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

    @Test
    void untouchedRecordHasAnEmptyDelta() {
        assertTrue(loaded().delta(codec).isEmpty());
    }

    @Test
    void aValueSetWhileAnIdChangeCopiedTheRecordIsStillSavedAfterIt() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = r.allEncoded(codec);
        r.setAttribute("lang", "de"); // a concurrent request on the same node, during the copy
        r.committedAll(copy, 2);
        Changes.Delta next = r.delta(codec);
        assertTrue(next.changed().containsKey("lang"), "the concurrent change is written by the next save: " + next.changed().keySet());
        assertFalse(next.changed().containsKey("cart"));
    }

    @Test
    void aValueRemovedWhileAnIdChangeCopiedTheRecordIsRemovedByTheNextSave() {
        SessionRecord r = loaded();
        Changes.FullCopy copy = r.allEncoded(codec);
        r.removeAttribute("cart"); // a concurrent request, after the copy took the cart's bytes
        r.committedAll(copy, 2);
        assertEquals(List.of("cart"), r.delta(codec).removed());
    }

    @Test
    void afterAnIdChangeUnchangedValuesAreNotWrittenAgain() {
        SessionRecord r = loaded();
        r.setAttribute("lang", "de");
        r.committedAll(r.allEncoded(codec), 2);
        assertTrue(r.delta(codec).isEmpty());
    }
}
