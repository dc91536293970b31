package io.lanyard.core;

import io.lanyard.api.SessionControl;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store's entry points for adapters, against a real Redis: the one start step
 * ({@link RedisSessionStore#serve}) and the stores of a container's own copies
 * ({@link RedisSessionStore#storeCopy}, {@link RedisSessionStore#idChanging}: Jetty's order of an id change).
 */
class ContainerCopiesIT extends StoreTestBase {
    private static final String LOGIN = "io.lanyard.test.login";

    @Test
    void serveTellsTheLoginPublishesSessionControlAndRegistersTheBeanUntilClose() throws Exception {
        RedisSessionStore a = store("a");
        Map<String, Object> context = new HashMap<>();
        a.serve(LOGIN, value -> value instanceof String s ? s : null, context::put, r -> { },
                "io.lanyard.test:type=LanyardSessionStore,context=serve");
        assertSame(a.sessionControl(), context.get(SessionControl.ATTRIBUTE));
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(a.objectName()));

        SessionRecord r = a.create(newId(), 1800);
        r.setAttribute(LOGIN, "alice");
        assertEquals(SaveResult.SAVED, a.save(r));
        assertEquals(List.of(r.id()), a.sessionControl().sessionsOf("alice").stream().map(i -> i.id()).toList(),
                "the session belongs to the user of the container's login");

        a.close();
        assertNull(a.objectName(), "unregistered at close");
    }

    @Test
    void aCopyWhoseIdChangedMovesItsRecordAndTheDeleteOfTheOldIdBeforeIsSkipped() {
        RedisSessionStore a = store("a");
        SessionRecord r = a.create(newId(), 1800);
        r.setAttribute("cart", "3 apples");
        assertEquals(SaveResult.SAVED, a.save(r));
        String oldId = r.id();
        String newId = newId();

        a.idChanging(oldId);
        assertTrue(a.delete(oldId), "the container's delete of the old id reports success");
        assertTrue(a.exists(oldId), "but is left to the store of the copy");
        a.storeCopy(newId, r, true, 1800, copy -> { }, () -> 1);

        assertFalse(a.exists(oldId));
        assertEquals("3 apples", a.peek(newId).getAttribute("cart"));
        assertFalse(a.delete(oldId), "a later delete of the old id is not skipped");
    }

    @Test
    void aCopyTheContainerBuiltItselfCreatesTheSessionThenUpdatesTheStoredOne() {
        RedisSessionStore a = store("a");
        String id = newId();
        a.storeCopy(id, null, false, 600, copy -> copy.setAttribute("first", "1"), () -> Integer.MAX_VALUE);
        SessionRecord created = a.peek(id);
        assertEquals("1", created.getAttribute("first"));
        assertEquals(600, created.maxInactiveSeconds());

        a.storeCopy(id, null, true, 600, copy -> copy.setAttribute("second", "2"), () -> Integer.MAX_VALUE);
        SessionRecord updated = a.peek(id);
        assertEquals("1", updated.getAttribute("first"), "updated, not created again");
        assertEquals("2", updated.getAttribute("second"));
    }

    @Test
    void theContainersNameForThisNodeIsStoredAsNodeNameAndLoadedBack() {
        RedisSessionStore a = store("a");
        a.containerCopies(() -> 3, "node0");
        assertEquals(3, a.metrics().getSessionsInUse());
        assertEquals("a", a.copyNodeToStore("node0"));
        assertEquals("b", a.copyNodeToStore("b"), "another node's name as given");
        SessionRecord r = a.create(newId(), 600);
        assertEquals(SaveResult.SAVED, a.save(r));
        assertEquals("a", a.peek(r.id()).storedLastNode());
        assertEquals("node0", a.copyLastNode(a.peek(r.id())));

        RedisSessionStore b = store("b");
        b.containerCopies(() -> 0, "node0");
        assertEquals("a", b.copyLastNode(b.peek(r.id())), "another node's name as stored");
    }

    @Test
    void aFailedStoreOfACopyIsALostSaveNotAnException() {
        RedisSessionStore a = store("a");
        a.storeCopy("not a session id", null, false, 600, copy -> { }, () -> Integer.MAX_VALUE);
        assertEquals(1, a.metrics().getLostSaves());
    }

    @Test
    void onlyAFinalStoreKeepsDecodedValuesForTheNextLoad() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord created = a.create(id, 1800);
        created.setAttribute("notes", new java.util.ArrayList<>(List.of("a", "b")));
        a.save(created);
        SessionRecord r = a.load(id);
        Object notes = r.getAttribute("notes");
        a.storeCopy(id, r, true, 1800, copy -> { }, () -> 1); // at response commit: the request still runs
        assertNotSame(notes, a.load(id).getAttribute("notes"), "not kept while a request uses it");
        a.storeCopy(id, r, true, 1800, copy -> { }, () -> 0); // at release, the last request gone
        assertSame(notes, a.load(id).getAttribute("notes"), "kept for the next load");
    }
}
