package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionCacheFactory;
import org.junit.jupiter.api.Test;

/** What the session-store-redis module does to the cache factory of Jetty's session-cache-hash module. */
class LanyardSessionCacheFactoryTest {
    @Test
    void installReplacesJettysFactoryKeepingItsOtherSettings() {
        Server server = new Server();
        DefaultSessionCacheFactory theirs = new DefaultSessionCacheFactory(); // as session-cache-hash.xml adds it
        theirs.setEvictionPolicy(SessionCache.NEVER_EVICT);
        theirs.setFlushOnResponseCommit(false);
        theirs.setSaveOnCreate(true);
        theirs.setInvalidateOnShutdown(true);
        theirs.setRemoveUnloadableSessions(true);
        server.addBean(theirs);
        LanyardSessionCacheFactory.install(server);
        assertEquals(1, server.getBeans(SessionCacheFactory.class).size(), "one factory: Jetty's was removed");
        LanyardSessionCacheFactory ours = assertInstanceOf(LanyardSessionCacheFactory.class, server.getBean(SessionCacheFactory.class));
        assertEquals(SessionCache.EVICT_ON_SESSION_EXIT, ours.getEvictionPolicy(), "never a stale copy");
        assertTrue(ours.isFlushOnResponseCommit(), "stored before the response");
        assertTrue(ours.isSaveOnCreate() && ours.isInvalidateOnShutdown() && ours.isRemoveUnloadableSessions(), "the other settings kept");
        LanyardSessionCacheFactory.install(server);
        assertEquals(1, server.getBeans(SessionCacheFactory.class).size(), "installed once");
    }

    @Test
    void installAddsOneWhenThereIsNone() {
        Server server = new Server();
        assertNull(server.getBean(SessionCacheFactory.class));
        LanyardSessionCacheFactory.install(server);
        assertInstanceOf(LanyardSessionCacheFactory.class, server.getBean(SessionCacheFactory.class));
    }
}
