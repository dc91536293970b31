package io.lanyard.jetty;

import io.lanyard.api.SessionControl;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SessionRecord;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;

/**
 * Jetty 12 {@code SessionDataStore} that keeps sessions in Redis through Lanyard's core store.
 * Written against the environment-neutral core session API, so it serves ee10 and ee11 webapps.
 *
 * <p>Design notes. A translator onto {@link RedisSessionStore} (what to write, bounded waits, the
 * breaker, expiry: see the core). Jetty's {@code DefaultSessionCache}, evicted on session exit
 * ({@link LanyardSessionCacheFactory}), is this node's table of sessions in use: one load per
 * session for concurrent requests. {@code doStore} persists the {@link SessionData} as given
 * ({@link LanyardSessionData}); Jetty's worker name for this node is stored as Lanyard's
 * {@code nodeName}. Expired sessions: the core's expiry hands a claimed one to Jetty's
 * {@code invalidate}, which Jetty's house keeper also reaches through the core. Lanyard's reserved
 * attributes are never shown to Jetty. A load that finds Redis unreachable reports "no session",
 * which {@link RedisUnavailableHandler} answers with a 503; a failed store follows the core's
 * lost-save policy (Jetty stores when the client can no longer be told).
 */
public class RedisSessionDataStore extends AbstractSessionDataStore {
    private static final System.Logger LOG = System.getLogger(RedisSessionDataStore.class.getName());

    private final LanyardSettings settings;
    private final Clock clock;
    private volatile RedisSessionStore store;

    /**
     * @param settings this webapp's settings, not yet validated: validated (and sealed) at start,
     *                 after {@code LANYARD_*} environment overrides
     */
    public RedisSessionDataStore(LanyardSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** As {@link #RedisSessionDataStore(LanyardSettings)} with the store's clock (tests move time instead of sleeping). */
    protected RedisSessionDataStore(LanyardSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        settings.setLogHandler(LanyardSettings.slf4jLogHandler()); // the core's lines in Jetty's log while the store runs
    }

    /** The core store (after start). */
    public RedisSessionStore getStore() {
        return store;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart(); // fails without a SessionContext
        ClassLoader loader = _context.getContext().getClassLoader();
        // The application comes from the context path ("/shop" -> "shop"), not from Jetty's
        // canonical name ("_shop") nor the virtual host: a Tomcat node of it uses the same keys.
        store = RedisSessionStore.start(settings, _context.getContext().getContextPath(), null,
                loader != null ? loader : Thread.currentThread().getContextClassLoader(), clock);
        store.containerCopies(this::sessionsInCache, _context.getWorkerName());
        // Jetty's session lookup loads the session of each JSESSIONID cookie of a request in turn.
        store.cookieResolver("org.eclipse.jetty.session.AbstractSessionManager", "resolveRequestedSessionId");
        String app = settings.getApplication();
        SessionCache cache = _context.getSessionManager() == null ? null : _context.getSessionManager().getSessionCache();
        if (cache != null && (cache.getEvictionPolicy() != SessionCache.EVICT_ON_SESSION_EXIT || !cache.isFlushOnResponseCommit())) {
            LOG.log(System.Logger.Level.WARNING, "Lanyard [" + app + "]: Jetty's session cache " + cache.getClass().getSimpleName()
                    + " keeps sessions between requests or stores them after the response, so this node can serve a copy another"
                    + " node has changed since; use the session-store-redis module, or server.addBean(new"
                    + " io.lanyard.jetty.LanyardSessionCacheFactory()) when embedding");
        }
        store.serve(JettyLogin.ATTRIBUTE, value -> JettyLogin.userName(value), // a lambda: see JettyLogin
                _context.getContext()::setAttribute, this::expired, "io.lanyard:type=LanyardSessionStore,context="
                + (app.matches("[A-Za-z0-9._/-]+") ? app : ObjectName.quote(app)));
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        RedisSessionStore st = store;
        store = null;
        _context.getContext().removeAttribute(SessionControl.ATTRIBUTE);
        if (st != null) {
            st.close();
        }
    }

    /**
     * False, so Jetty does not walk every attribute around each store for its activation listeners
     * (decoding the whole session per request): attributes are decoded when first read.
     * {@code HttpSessionActivationListener}s are therefore not called on Jetty.
     */
    @Override
    public boolean isPassivating() {
        return false;
    }

    /** The request's session lookup is over: {@link RedisUnavailableHandler} runs right after it. */
    void sessionResolved() {
        RedisSessionStore s = store;
        if (s != null) {
            s.cookiesResolved();
        }
    }

    /** A new session (in memory until stored); while Redis is down or full, a quiet 503 ({@link RedisUnavailableHandler.SessionStoreUnavailableException}). */
    @Override
    public SessionData newSessionData(String id, long created, long accessed, long lastAccessed, long maxInactiveMs) {
        RedisSessionStore s = store;
        if (s != null && s.refusesNewSessions()) {
            throw new RedisUnavailableHandler.SessionStoreUnavailableException();
        }
        return new LanyardSessionData(this, id, _context.getCanonicalContextPath(), _context.getVhost(), created,
                accessed, lastAccessed, maxInactiveMs, s.create(storeId(id), SessionRecord.timeoutSeconds(maxInactiveMs)));
    }

    /**
     * As Jetty's inside a webapp's scope (a request, or an expiry run): there an expired session
     * not being expired by this node is absent, so Jetty never fires its listeners here. Outside
     * any scope (tools, tests) the session is returned as stored, also when expired (the core
     * decodes with the webapp's class loader on any thread).
     */
    @Override
    public SessionData load(String id) throws Exception {
        return isStarted() && ContextHandler.getCurrentContext() == null ? load(id, false) : super.load(id);
    }

    @Override
    public SessionData doLoad(String id) throws Exception {
        return load(id, true);
    }

    private SessionData load(String id, boolean inScope) throws Exception {
        if (!store.cookieLookupAllowed()) {
            return null; // past the loads Jetty's cookie resolution may make for one request
        }
        SessionRecord r;
        try {
            r = store.load(storeId(id), !inScope); // the one this node is expiring, as it is
        } catch (LanyardException.UnreadableSessionException e) {
            throw new UnreadableSessionDataException(id, _context, e);
        } catch (LanyardException.RedisUnavailableException e) {
            // Jetty would log a stack trace and serve the request without its session: report
            // "no session"; RedisUnavailableHandler answers 503 (the core noted the failed load).
            return null;
        }
        if (r == null) {
            return null;
        }
        return LanyardSessionData.of(this, id, _context.getCanonicalContextPath(), _context.getVhost(), r, store.copyLastNode(r),
                store.now());
    }

    @Override
    public boolean doExists(String id) {
        return store.exists(storeId(id));
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) {
        store.storeCopy(storeId(id), data instanceof LanyardSessionData l ? l.record() : null, lastSaveTime > 0,
                SessionRecord.timeoutSeconds(data.getMaxInactiveMs()),
                r -> r.syncCopy(data instanceof LanyardSessionData ? null : data.getAllAttributes(), data.getCreated(),
                        data.getAccessed(), data.getLastAccessed(), data.getMaxInactiveMs(), data.getExpiry(),
                        store.copyNodeToStore(data.getLastNode()), data.getCookieSet()),
                () -> LanyardSessionData.requestsUsing(_context.getSessionManager().getSessionCache(), id));
    }

    /** An expiring session is left to the core; a renamed one's old id to the next store ({@link RedisSessionStore#idChanging}). */
    @Override
    public boolean delete(String id) throws Exception {
        return store.delete(storeId(id));
    }

    /** True when a load of session {@code requestedId} (cookie value) found Redis unreachable since {@code sinceNanos}. */
    boolean loadFailedSince(String requestedId, long sinceNanos) {
        RedisSessionStore s = store;
        return requestedId != null && s != null && s.loadFailedSince(
                storeId(_context.getSessionManager().getSessionIdManager().getId(requestedId)), sinceNanos);
    }

    // ---- expiry: the core's; Jetty's template methods run it or report what is gone ----

    /** The core's expiry callback: Jetty's session manager runs the listeners of a session this node claimed. */
    private void expired(SessionRecord record) {
        _context.run(() -> {
            try {
                _context.getSessionManager().invalidate(jettyId(record.id()));
            } catch (Exception e) {
                throw new IllegalStateException("invalidating the expired session failed", e);
            }
        });
    }

    /** Candidates gone from Redis that this node holds no object of ({@link RedisSessionStore#gone}). */
    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time) {
        Set<String> ids = candidates.stream().map(this::storeId).collect(Collectors.toSet());
        return store.gone(ids, sid -> cachedHere(jettyId(sid)), this::expired).stream().map(this::jettyId)
                .collect(Collectors.toSet());
    }

    /** Runs a core expiry pass now and reports the sessions it expired ({@code before} is the core's business). */
    @Override
    public Set<String> doGetExpired(long before) {
        Set<String> handled = new HashSet<>();
        store.scavenge(r -> {
            handled.add(jettyId(r.id()));
            expired(r);
        });
        return handled;
    }

    /** Jetty's orphan sweep, with {@code now - 10 x gracePeriod} (which can be now): {@link RedisSessionStore#dropExpired}. */
    @Override
    public void doCleanOrphans(long time) {
        store.dropExpired(time);
    }

    private boolean cachedHere(String id) {
        try {
            return _context.getSessionManager().getSessionCache().contains(id);
        } catch (Exception e) {
            return true; // unknown: do not report it as expired
        }
    }

    private int sessionsInCache() {
        return _context != null && _context.getSessionManager().getSessionCache()
                instanceof DefaultSessionCache c ? (int) c.getSessionsCurrent() : 0;
    }

    /**
     * The id under which a Jetty session id is kept in Redis. Jetty hands the store ids without
     * the {@code .workerName} cookie suffix, so by default this is the id itself: the same key a
     * Tomcat node derives from the same cookie.
     */
    protected String storeId(String jettyId) {
        return jettyId;
    }

    /** Inverse of {@link #storeId(String)}. */
    protected String jettyId(String storeId) {
        return storeId;
    }

    /** The core's JMX bean's object name while started ({@code io.lanyard:type=LanyardSessionStore,context=<application>}). */
    public ObjectName getStoreObjectName() {
        RedisSessionStore s = store;
        return s == null ? null : s.objectName();
    }

    @Override
    public String toString() {
        return String.format("%s@%x[application=%s,redis=%s]", getClass().getSimpleName(), hashCode(), settings.getApplication(), settings.maskedRedisUri());
    }
}
