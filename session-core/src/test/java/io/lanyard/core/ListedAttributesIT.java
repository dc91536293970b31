package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The attributes of a listed session ({@link SessionRecord#asMapLoadedOnUse}) against a real Redis:
 * nothing is read until the map is used, then the whole record once.
 */
class ListedAttributesIT extends StoreTestBase {
    @Test
    void theWholeRecordIsReadOnceOnFirstUseAndWritesGoToIt() {
        RedisSessionStore a = store("a");
        SessionRecord r = a.create(newId(), 1800);
        r.setAttribute("user", "alice");
        assertEquals(SaveResult.SAVED, a.save(r));
        SessionRecord listed = a.recentSessions().get(0);
        AtomicInteger reads = new AtomicInteger();
        List<SessionRecord> loaded = new ArrayList<>();
        Map<String, Object> map = listed.asMapLoadedOnUse(() -> {
            reads.incrementAndGet();
            return a.peek(listed.id());
        }, loaded::add);
        assertEquals(0, reads.get(), "nothing read before the map is used");

        assertEquals("alice", map.get("user"));
        assertEquals(1, loaded.size());
        assertEquals(Map.of("user", "alice"), Map.copyOf(map));
        map.put("cart", "2 pears");
        assertEquals(1, reads.get(), "read once");

        assertEquals(SaveResult.SAVED, a.save(loaded.get(0)), "a change goes to the whole record");
        assertEquals("2 pears", a.peek(listed.id()).getAttribute("cart"));
        assertEquals("alice", a.peek(listed.id()).getAttribute("user"));
    }

    @Test
    void aSessionGoneBeforeItsFirstUseShowsNoAttributes() {
        RedisSessionStore a = store("a");
        SessionRecord r = a.create(newId(), 1800);
        r.setAttribute("user", "bob");
        assertEquals(SaveResult.SAVED, a.save(r));
        SessionRecord listed = a.recentSessions().get(0);
        assertTrue(a.delete(listed.id()));
        List<SessionRecord> loaded = new ArrayList<>();
        Map<String, Object> map = listed.asMapLoadedOnUse(() -> a.peek(listed.id()), loaded::add);

        assertTrue(map.isEmpty());
        assertNull(map.get("user"));
        assertEquals(List.of(), loaded, "nothing to hand over");
    }
}
