package io.lanyard.jetty;

import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionManager;

/**
 * The session cache set-up Lanyard needs on Jetty: a {@link DefaultSessionCache} evicted on
 * session exit (one shared session object while requests use it, re-read from Redis for the next
 * request, so a node never serves a copy another node has changed since) and stored before the
 * response commits ({@code flushOnResponseCommit}, so the client's next request sees the change on
 * any node). The {@code session-store-redis} module installs it ({@link #install}); embedded
 * servers add one with {@code server.addBean(new LanyardSessionCacheFactory())}.
 *
 * <p>Why not Jetty's own factory as it is: {@code DefaultSessionCache} loads a session inside
 * {@code ConcurrentHashMap.computeIfAbsent}, which holds the lock of the map's bin for the whole
 * load, i.e. a Redis round trip. Evicted on exit, the map holds only the sessions in use, so it
 * stays at its default 16 bins, and loads of <em>different</em> sessions that share a bin wait
 * for each other's round trip (JFR showed most of Jetty's request time in those monitor waits).
 * This cache's map starts with {@value #BINS} slots and never shrinks, so concurrent loads rarely
 * share a bin. Loads of the same session still share one load, as Jetty intends.
 */
public class LanyardSessionCacheFactory extends DefaultSessionCacheFactory {
    /** Initial capacity of the session map: more than the sessions a node serves at once. */
    static final int BINS = 4096;

    /** Eviction on session exit and storing before the response commits, Jetty's other defaults. */
    public LanyardSessionCacheFactory() {
        setEvictionPolicy(SessionCache.EVICT_ON_SESSION_EXIT);
        setFlushOnResponseCommit(true);
    }

    @Override
    public SessionCache newSessionCache(SessionManager manager) {
        return new DefaultSessionCache(manager, new ConcurrentHashMap<>(BINS));
    }

    /**
     * Replaces the server's {@link DefaultSessionCacheFactory} (added by Jetty's
     * {@code session-cache-hash} module) by a Lanyard one that keeps its other settings
     * (save on create, invalidate on shutdown, ...); adds one when there is none.
     */
    public static void install(Server server) {
        LanyardSessionCacheFactory ours = new LanyardSessionCacheFactory();
        DefaultSessionCacheFactory theirs = server.getBean(DefaultSessionCacheFactory.class);
        if (theirs instanceof LanyardSessionCacheFactory) {
            return;
        }
        if (theirs != null) {
            ours.setSaveOnCreate(theirs.isSaveOnCreate());
            ours.setSaveOnInactiveEviction(theirs.isSaveOnInactiveEviction());
            ours.setRemoveUnloadableSessions(theirs.isRemoveUnloadableSessions());
            ours.setInvalidateOnShutdown(theirs.isInvalidateOnShutdown());
            server.removeBean(theirs);
        }
        server.addBean(ours);
    }
}
