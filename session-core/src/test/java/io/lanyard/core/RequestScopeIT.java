package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request's scope ({@link RequestScope}) for a container whose request boundaries
 * repeat: re-entered while open, ended once, saving what the request changed in the session it
 * entered and in the session it created.
 */
class RequestScopeIT extends StoreTestBase {

    @Test
    void anOpenScopeIsReenteredAndEndsOnceSavingTheEnteredSession() {
        RedisSessionStore store = store("a");
        SessionRecord stored = store.create(newId(), 1800);
        store.save(stored);

        RequestScope scope = RequestScope.enter(store, null, stored.id() + ".route");
        assertSame(scope, RequestScope.enter(store, scope, stored.id()), "an async dispatch re-enters");
        scope.exit();
        assertTrue(scope.inProgress(), "one entry still runs: a destroy event now is a nested one");
        store.active(stored.id()).record().setAttribute("cart", "3 items");
        scope.exit();
        assertFalse(scope.inProgress());

        assertNull(scope.end(() -> null, () -> false));
        assertEquals("3 items", store.load(stored.id()).getAttribute("cart"), "the end saved the change");
        assertNull(store.active(stored.id()), "the request left the session's entry");
        assertNull(scope.end(() -> {
            throw new AssertionError("a second end does nothing");
        }, () -> false));
        assertNotSame(scope, RequestScope.enter(store, scope, stored.id()), "an ended scope is not re-entered");
    }

    @Test
    void theEndGivesBackTheCreatorHoldOfASessionTheRequestCreated() {
        RedisSessionStore store = store("a");
        RequestScope scope = RequestScope.enter(store, null, null); // no cookie
        String id = newId();
        ActiveSession created = store.enter(id);
        assertTrue(created.create(1800));
        created.record().setAttribute("user", "alice");
        scope.exit();

        assertNull(scope.end(() -> created, () -> false));
        assertEquals("alice", store.load(id).getAttribute("user"), "the creator hold's leave saved the new session");
        assertNull(store.active(id));
    }

    @Test
    void theRequestsSessionIsNotAskedForWhenThatCouldReachRedis() {
        RedisSessionStore store = store("a");
        SessionRecord stored = store.create(newId(), 1800);
        store.save(stored);
        AtomicInteger asked = new AtomicInteger();

        RequestScope notLoaded = RequestScope.enter(store, null, stored.id());
        notLoaded.exit();
        notLoaded.end(() -> {
            asked.incrementAndGet();
            return null;
        }, () -> false);
        assertEquals(0, asked.get(), "the requested session was never loaded: asking the container would load it");

        RequestScope loaded = RequestScope.enter(store, null, stored.id());
        store.active(stored.id()).record();
        loaded.exit();
        loaded.end(() -> {
            asked.incrementAndGet();
            return null;
        }, () -> false);
        assertEquals(1, asked.get(), "a loaded session answers from memory");
    }

    /** A request that created a session too large to save; it ends with {@code committed} as the response's state. */
    private RuntimeException endWithRefusedSave(RedisSessionStore store, boolean committed) {
        RequestScope scope = RequestScope.enter(store, null, null);
        ActiveSession created = store.enter(newId());
        created.create(1800);
        created.record().setAttribute("blob", "x".repeat(4096));
        scope.exit();
        return scope.end(() -> created, () -> committed);
    }

    private RedisSessionStore smallStore() {
        LanyardSettings small = settings("a");
        small.setMaxSessionBytes(1024);
        return store(small);
    }

    @Test
    void aRefusedSaveIsReturnedToTheAdapter() {
        RedisSessionStore store = smallStore();
        assertInstanceOf(LanyardException.SessionTooLargeException.class, endWithRefusedSave(store, false));
        assertEquals(0, store.metrics().getLostSaves(), "the adapter answers it");
    }

    @Test
    void aRefusedSaveAfterTheResponseWasCommittedIsALostSave() {
        RedisSessionStore store = smallStore();
        assertNull(endWithRefusedSave(store, true), "nobody left to answer");
        assertEquals(1, store.metrics().getLostSaves());
    }
}
