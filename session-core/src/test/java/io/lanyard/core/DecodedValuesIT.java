package io.lanyard.core;

import io.lanyard.core.fixtures.Cart;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node takes a value it decoded for an earlier request back only while Redis holds exactly the
 * bytes it came from and the value provably still encodes to them; otherwise it decodes afresh.
 */
class DecodedValuesIT extends StoreTestBase {
    private String shopSession(RedisSessionStore store, int lines) {
        String id = newId();
        SessionRecord s = store.create(id, 1800);
        Cart cart = new Cart();
        for (int i = 0; i < lines; i++) {
            cart.add("sku-" + i, 1, new BigDecimal("9.99"));
        }
        s.setAttribute("cart", cart);
        store.save(s);
        return id;
    }

    /** One request that reads the cart and ends (its save finds nothing changed). */
    private Cart readOnly(RedisSessionStore store, String id) {
        ActiveSession request = store.enter(id);
        Cart cart = (Cart) request.record().getAttribute("cart");
        assertNull(request.leave(null));
        return cart;
    }

    @Test
    void aValueReadAndLeftUnchangedIsTakenBackByTheNextLoad() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 3);
        Cart first = readOnly(a, id);
        Cart second = readOnly(a, id);
        assertSame(first, second, "the same bytes in Redis: the decoded cart is taken back, not decoded again");
    }

    @Test
    void anImmutableValueReadIsTakenBackToo() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 1);
        SessionRecord r = a.load(id);
        r.setAttribute("token", "eyJhbGciOiJIUzI1NiJ9." + "x".repeat(200));
        assertEquals(SaveResult.SAVED, a.save(r));
        String first = readToken(a, id);
        assertSame(first, readToken(a, id), "the same bytes in Redis: the decoded token is taken back, not decoded again");
        RedisSessionStore b = store("b");
        SessionRecord onB = b.load(id);
        onB.setAttribute("token", "rotated");
        assertEquals(SaveResult.SAVED, b.save(onB));
        assertEquals("rotated", readToken(a, id), "changed elsewhere: decoded afresh");
    }

    private static String readToken(RedisSessionStore store, String id) {
        ActiveSession request = store.enter(id);
        String token = (String) request.record().getAttribute("token");
        assertNull(request.leave(null));
        return token;
    }

    @Test
    void aValueAnotherNodeChangedIsDecodedAfresh() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = shopSession(a, 3);
        Cart kept = readOnly(a, id);
        SessionRecord onB = b.load(id);
        ((Cart) onB.getAttribute("cart")).add("sku-b", 2, BigDecimal.ONE);
        assertEquals(SaveResult.SAVED, b.save(onB));

        Cart now = readOnly(a, id);
        assertNotSame(kept, now);
        assertEquals(4, now.lines().size(), "what Redis holds, not what this node kept");
    }

    @Test
    void aValueChangedAfterItsRequestEndedIsNotTakenBack() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 3);
        Cart heldOn = readOnly(a, id);
        heldOn.add("sku-late", 1, BigDecimal.TEN); // code that kept a reference changes it later

        Cart next = readOnly(a, id);
        assertNotSame(heldOn, next);
        assertEquals(3, next.lines().size(), "as Redis holds it");
    }

    @Test
    void anInPlaceChangeOfATakenBackValueIsSaved() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 2);
        readOnly(a, id);
        ActiveSession request = a.enter(id);
        Cart cart = (Cart) request.record().getAttribute("cart");
        cart.add("sku-new", 5, BigDecimal.ONE); // no setAttribute
        assertNull(request.leave(null));

        Cart elsewhere = (Cart) store("b").load(id).getAttribute("cart");
        assertEquals(3, elsewhere.lines().size());
        assertEquals(5, elsewhere.lines().get(2).quantity());
        assertEquals(3, readOnly(a, id).lines().size(), "and the next load on this node sees it too");
    }

    @Test
    void aValueChangedInPlaceAndSavedIsTakenBackAndItsNextChangeIsSavedToo() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 2);
        ActiveSession first = a.enter(id);
        Cart cart = (Cart) first.record().getAttribute("cart");
        cart.add("sku-2", 1, BigDecimal.ONE); // in place
        assertNull(first.leave(null));

        ActiveSession second = a.enter(id);
        assertSame(cart, second.record().getAttribute("cart"), "the value as saved is what Redis holds now: taken back");
        cart.add("sku-3", 1, BigDecimal.ONE);
        assertNull(second.leave(null));
        assertEquals(4, ((Cart) store("b").load(id).getAttribute("cart")).lines().size(), "both changes saved");
    }

    @Test
    void aValueIsNeverHandedToTwoRecordsOrToAnotherSession() {
        RedisSessionStore a = store("a");
        String one = shopSession(a, 2);
        String two = shopSession(a, 2); // equal bytes, other session
        Cart kept = readOnly(a, one);
        assertNotSame(kept, readOnly(a, two), "values return only to their own session");

        SessionRecord x = a.load(one);
        SessionRecord y = a.load(one); // two records of one session (two nodes' worth on one store)
        assertNotSame(x.getAttribute("cart"), y.getAttribute("cart"), "taken, never shared");
    }

    @Test
    void nothingIsKeptWhileAnotherRequestStillUsesTheSession() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 2);
        ActiveSession first = a.enter(id);
        ActiveSession second = a.enter(id); // joins the first one's load
        Cart live = (Cart) first.record().getAttribute("cart");
        assertSame(live, second.record().getAttribute("cart"));
        assertNull(first.leave(null)); // saves, but the second request still holds the cart
        assertNotSame(live, a.load(id).getAttribute("cart"), "a value in use is never handed to another record");
        assertNull(second.leave(null));
    }

    @Test
    void aSessionTooLargeToHoldWholeStillHasItsDecodedValuesTakenBack() {
        LanyardSettings s = settings("a");
        s.setDecodedValuesMaxBytes(16 * 1024); // a session holds at most 1 KiB
        RedisSessionStore a = store(s);
        String id = shopSession(a, 2);
        ActiveSession request = a.enter(id);
        request.record().setAttribute("note", "x".repeat(2048));
        assertNull(request.leave(null));
        Cart first = readOnly(a, id);
        long before = a.metrics().getBytesRead();
        assertSame(first, readOnly(a, id), "the cart alone fits");
        assertTrue(a.metrics().getBytesRead() - before > 2048, "the whole hash was read");
    }

    @Test
    void offWithZeroBytes() {
        LanyardSettings s = settings("a");
        s.setDecodedValuesMaxBytes(0);
        RedisSessionStore a = store(s);
        String id = shopSession(a, 2);
        assertNotSame(readOnly(a, id), readOnly(a, id));
    }

    @Test
    void aSessionUnchangedInRedisIsLoadedWithoutItsAttributes() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 20);
        Cart first = readOnly(a, id);
        long hashBytes = raw.hgetAll(a.sessionKey(id)).entrySet().stream()
                .mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
        long before = a.metrics().getBytesRead();
        Cart second = readOnly(a, id);
        long read = a.metrics().getBytesRead() - before;
        assertSame(first, second);
        assertTrue(read > 0 && read * 4 < hashBytes, read + " bytes read for a hash of " + hashBytes
                + ": Redis still holds the version this node holds, so it sends the metadata alone");
        assertEquals(20, second.lines().size());
    }

    @Test
    void anUnchangedLoadHasTheMetadataRedisHolds() {
        RedisSessionStore a = store("a");
        String id = shopSession(a, 2);
        ActiveSession request = a.enter(id);
        request.record().setMaxInactiveSeconds(900);
        assertNull(request.leave(null));
        readOnly(a, id);
        clock.advance(java.time.Duration.ofSeconds(50)); // past the touch interval: this load writes the access
        long before = a.metrics().getBytesRead();
        SessionRecord held = a.load(id);
        assertTrue(a.metrics().getBytesRead() - before < 100, "answered unchanged");
        SessionRecord full = store("b").peek(id);
        assertEquals(full.creationTime(), held.creationTime());
        assertEquals(900, held.maxInactiveSeconds());
        assertEquals(full.maxInactiveSeconds(), held.maxInactiveSeconds());
        assertEquals(full.version(), held.version());
        assertEquals(full.accessedTime(), held.accessedTime(), "the access this load wrote");
        assertEquals(full.expiryTime(), held.expiryTime());
    }

    @Test
    void aRenamedSignedInSessionIsServedUnchangedWithItsPrincipalUntilSignedOut() {
        LanyardSettings s = settings("a");
        s.setPrincipalAttribute("user");
        RedisSessionStore a = store(s);
        String id = newId();
        SessionRecord created = a.create(id, 1800);
        created.setAttribute("user", "alice");
        created.setAttribute("cart", new Cart());
        assertEquals(SaveResult.SAVED, a.save(created));
        String moved = newId();
        assertTrue(a.changeId(a.load(id), moved)); // session-fixation protection at login
        readOnly(a, moved);

        long before = a.metrics().getBytesRead();
        SessionRecord held = a.load(moved);
        assertTrue(a.metrics().getBytesRead() - before < 100, "answered unchanged");
        assertEquals("alice", held.getAttribute("user"));
        assertEquals("alice", held.storedPrincipal, "the principal of that version, as a save compares it");
        assertEquals(1, a.sessionControl().sessionsOf("alice").size());

        LanyardSettings other = settings("b");
        other.setPrincipalAttribute("user");
        assertEquals(1, store(other).sessionControl().signOutAll("alice"));
        assertNull(a.load(moved), "signed out on another node");
    }

    @Test
    void aVersionNumberWrittenAgainByAnotherNodeIsNotMistakenForTheHeldOne() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = shopSession(a, 2);
        SessionRecord onB = b.load(id); // version v, before a's next save
        readOnly(a, id);
        ActiveSession request = a.enter(id);
        request.record().setAttribute("fromA", "a");
        assertNull(request.leave(null)); // a holds v + 1
        // A failover loses a's write: Redis is back at version v, then b saves its own v + 1.
        raw.hdel(a.sessionKey(id), "a:fromA");
        raw.hincrBy(a.sessionKey(id), "version", -1);
        onB.setAttribute("fromB", "b");
        assertEquals(SaveResult.SAVED, b.save(onB));

        SessionRecord onA = a.load(id);
        assertEquals("b", onA.getAttribute("fromB"), "what Redis holds: the same version number, another save");
        assertNull(onA.getAttribute("fromA"));
    }

    @Test
    void attributesAnotherNodeAddedOrRemovedAreSeen() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = shopSession(a, 3);
        readOnly(a, id);
        SessionRecord onB = b.load(id);
        onB.setAttribute("lang", "de");
        onB.removeAttribute("cart");
        assertEquals(SaveResult.SAVED, b.save(onB));

        SessionRecord onA = a.load(id);
        assertEquals("de", onA.getAttribute("lang"));
        assertNull(onA.getAttribute("cart"));
    }

    @Test
    void aSaveThatFollowsAnotherNodesSaveHoldsNothingWhole() {
        RedisSessionStore a = store("a");
        RedisSessionStore b = store("b");
        String id = shopSession(a, 3);
        readOnly(a, id);
        ActiveSession request = a.enter(id);
        SessionRecord onA = request.record(); // loaded: version v
        SessionRecord onB = b.load(id);
        onB.setAttribute("fromB", "b");
        assertEquals(SaveResult.SAVED, b.save(onB)); // v + 1
        onA.setAttribute("fromA", "a");
        assertNull(request.leave(null)); // v + 2: this node does not know what came between

        SessionRecord next = a.load(id);
        assertEquals("b", next.getAttribute("fromB"), "the other node's attribute, although this node saved last");
        assertEquals("a", next.getAttribute("fromA"));
    }

    @Test
    void anExpiredDeletedOrSignedOutSessionIsNotServedFromWhatTheNodeHolds() {
        RedisSessionStore a = store("a");
        String id = newId();
        SessionRecord s = a.create(id, 60);
        s.setAttribute("cart", new Cart());
        a.save(s);
        readOnly(a, id);
        clock.advance(PAST_A_MINUTE_TIMEOUT);
        assertNull(a.load(id), "expired");
        assertEquals(1, a.load(id, true).attributeNames().size(), "still readable for its listeners");

        RedisSessionStore b = store("b");
        String other = shopSession(a, 2);
        readOnly(a, other);
        assertTrue(b.delete(other));
        assertNull(a.load(other), "deleted on another node");

        String third = shopSession(a, 2);
        readOnly(a, third);
        assertTrue(b.expireNow(third));
        assertNull(a.load(third), "signed out on another node");
    }

    @Test
    void theKeptValuesStayWithinTheirBoundAndASessionsValuesCanBeForgotten() throws Exception {
        AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"), getClass().getClassLoader(),
                MetricsRecorder.create(false));
        long max = 4L << 20;
        DecodedValues kept = new DecodedValues(codec, max);
        Cart cart = new Cart();
        for (int i = 0; i < 300; i++) {
            cart.add("sku-" + i, 1, new BigDecimal("9.99"));
        }
        byte[] bytes = codec.encode(cart);
        int sessions = (int) (2 * max / bytes.length);
        String last = null;
        for (int i = 0; i < sessions; i++) {
            SessionRecord r = new SessionRecord(newId(), 1L, 1L, 1L, 1800, 1_801_000L, 1, "a", false, new TouchPolicy(-1));
            r.storedIsWhole = true;
            r.putPending("cart", bytes.clone());
            r.decoder = PendingAttributes.of(codec, null, (name, e) -> {
                throw new AssertionError(e);
            });
            r.getAttribute("cart");
            kept.keep(r);
            assertTrue(kept.bytes() <= max, kept.bytes() + " bytes kept after " + (i + 1) + " sessions");
            last = r.id();
        }
        assertTrue(kept.size() > 0 && kept.size() < sessions, kept.size() + " of " + sessions + " values kept");
        int before = kept.size();
        kept.forget(last);
        assertEquals(before - 1, kept.size(), "a deleted session's value is dropped at once");
        kept.clear();
        assertEquals(0, kept.size());
        assertEquals(0, kept.bytes());
    }
}
