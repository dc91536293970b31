package io.lanyard.tomcat;

import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SaveResult;
import io.lanyard.core.SessionIds;
import io.lanyard.core.SessionRecord;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Session;
import org.apache.catalina.Valve;
import org.apache.catalina.session.ManagerBase;
import org.apache.catalina.connector.Request;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.modeler.Registry;

import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tomcat {@code Manager} that keeps every session in Redis, so any node can serve any request.
 * Configure it in {@code context.xml}:
 * <pre>{@code
 * <Manager className="io.lanyard.tomcat.RedisSessionManager"
 *          redisUri="redis://127.0.0.1:6379" allowedClasses="com.example.shop.**"/>
 * }</pre>
 * Every Lanyard setting ({@link LanyardSettings#SETTINGS}) is an attribute of the same name, and
 * {@code LANYARD_*} environment variables override them.
 *
 * <p>Design notes.
 * <ul>
 * <li>No session cache: a node holds a session only while requests use it. Requests for one
 *     session on one node share one {@link Holder}: the first {@link #findSession} loads the record
 *     (one EVALSHA), later concurrent requests reuse it, and the last request out saves the delta
 *     (nothing, or one EVALSHA) before the response completes, then drops the object. So a
 *     read-only request costs one Redis command and a writing one two.</li>
 * <li>Request boundaries (a {@link Bracket} per request): the manager installs a
 *     {@link LanyardValve} (first in the context pipeline) that opens the bracket, and appends a
 *     {@link ServletRequestListener} to the context whose {@code requestDestroyed} closes it.
 *     Tomcat fires that after the context pipeline <em>and</em> after the host renders
 *     {@code <error-page>}s (and, for async requests, when they complete), so sessions read,
 *     changed or created by error pages are saved. The listener is the last one added, hence
 *     the first one called on destroy: an application listener that throws cannot skip it.</li>
 * <li>Whatever still happens outside a bracket is neither lost nor leaked: a session created
 *     there holds its holder until the creating request releases it (at the bracket's close, or
 *     at the latest when Tomcat recycles the request and calls {@code endAccess}); a session
 *     object used after its bracket closed (application {@code requestDestroyed} listeners) or
 *     found outside any request of this context (cross-context dispatch) writes each
 *     {@code setAttribute}/{@code removeAttribute} through to Redis at once.</li>
 * <li>A save that fails is never silent: before the response is committed the client gets a
 *     503 (Redis down) or 500; after, one rate-limited WARN per cause and the
 *     {@code LostSaves} counter.</li>
 * <li>Tomcat's jvmRoute suffix is appended to the ids Tomcat sees and stripped before Redis.</li>
 * <li>Expiry is the store's: {@link #backgroundProcess()} runs {@link RedisSessionStore#scavenge}
 *     at the store's jittered interval and fires {@code sessionDestroyed} for each session this
 *     node claimed, exactly once cluster-wide.</li>
 * <li>The store is started with the webapp's class loader (this class lives in
 *     {@code $CATALINA_BASE/lib}), so attribute classes resolve from any thread.</li>
 * </ul>
 */
public class RedisSessionManager extends ManagerBase {
    private static final Log log = LogFactory.getLog(RedisSessionManager.class);
    private static final String NAME = "RedisSessionManager";

    private final LanyardSettings settings = new LanyardSettings();
    private final Map<String, Holder> holders = new ConcurrentHashMap<>();
    private final java.util.Set<String> unreadableLogged = ConcurrentHashMap.newKeySet();
    private final LanyardValve valve = new LanyardValve(this);
    private final RequestListener requestListener = new RequestListener();
    private final AtomicLong lostSaves = new AtomicLong();
    private final RateLimitedLog lostSaveWarnings = new RateLimitedLog(log, 60_000);
    private final ReentrantLock scavengeLock = new ReentrantLock();
    private volatile RedisSessionStore store;
    private volatile long nextScavengeAt;
    private boolean validated;
    private ObjectName mbeanName;

    /**
     * The in-memory state of one session on this node while requests use it: how many requests
     * are inside, and the loaded object. All fields are guarded by the holder's monitor.
     */
    static final class Holder {
        String id;
        int users;
        boolean loaded;
        boolean removed;
        RedisSession session;
        /** The holder's session was created here and the creating request still holds it once. */
        boolean creatorHold;

        Holder(String id) {
            this.id = id;
        }
    }

    /**
     * One request's use of this context's sessions, from the valve's entry to
     * {@code requestDestroyed} (which Tomcat fires after error pages). Stored as a request attribute
     * so that the listener, which only sees the request facade, finds it. Guarded by its monitor.
     */
    static final class Bracket {
        final Request request;
        final Holder entered;
        /** Valve invocations of this request in progress (async dispatches re-enter the valve). */
        int valveDepth;
        boolean closed;

        Bracket(Request request, Holder entered) {
            this.request = request;
            this.entered = entered;
        }
    }

    /** Request attribute holding the request's {@link Bracket}. */
    static final String BRACKET_ATTRIBUTE = "io.lanyard.tomcat.bracket";

    /** Closes a request's bracket once Tomcat is done with the request, error pages included. */
    private final class RequestListener implements ServletRequestListener {
        @Override
        public void requestDestroyed(ServletRequestEvent event) {
            if (event.getServletRequest().getAttribute(BRACKET_ATTRIBUTE) instanceof Bracket b) {
                synchronized (b) {
                    // Nested destroy events (FormAuthenticator's login-page forward, or
                    // fireRequestListenersOnForwards) come while the valve is still running: the
                    // request is not over yet.
                    if (b.valveDepth > 0) {
                        return;
                    }
                }
                close(b);
            }
        }
    }

    // ---------------------------------------------------------------- settings (Manager attributes)

    public String getRedisUri() { return settings.maskedRedisUri(); }
    public void setRedisUri(String v) { settings.setRedisUri(v); }
    public String getKeyPrefix() { return settings.getKeyPrefix(); }
    public void setKeyPrefix(String v) { settings.setKeyPrefix(v); }
    public String getApplication() { return settings.getApplication(); }
    public void setApplication(String v) { settings.setApplication(v); }
    public String getAllowedClasses() { return settings.getAllowedClasses(); }
    public void setAllowedClasses(String v) { settings.setAllowedClasses(v); }
    public int getGracePeriodSeconds() { return settings.getGracePeriodSeconds(); }
    public void setGracePeriodSeconds(int v) { settings.setGracePeriodSeconds(v); }
    public int getMaxSessionBytes() { return settings.getMaxSessionBytes(); }
    public void setMaxSessionBytes(int v) { settings.setMaxSessionBytes(v); }
    public int getConnectTimeoutMillis() { return settings.getConnectTimeoutMillis(); }
    public void setConnectTimeoutMillis(int v) { settings.setConnectTimeoutMillis(v); }
    public int getReadTimeoutMillis() { return settings.getReadTimeoutMillis(); }
    public void setReadTimeoutMillis(int v) { settings.setReadTimeoutMillis(v); }
    public int getPoolSize() { return settings.getPoolSize(); }
    public void setPoolSize(int v) { settings.setPoolSize(v); }
    public int getExpiryShards() { return settings.getExpiryShards(); }
    public void setExpiryShards(int v) { settings.setExpiryShards(v); }
    public int getScavengeIntervalSeconds() { return settings.getScavengeIntervalSeconds(); }
    public void setScavengeIntervalSeconds(int v) { settings.setScavengeIntervalSeconds(v); }
    public int getClaimLeaseSeconds() { return settings.getClaimLeaseSeconds(); }
    public void setClaimLeaseSeconds(int v) { settings.setClaimLeaseSeconds(v); }
    public int getScavengeBatchSize() { return settings.getScavengeBatchSize(); }
    public void setScavengeBatchSize(int v) { settings.setScavengeBatchSize(v); }
    public String getNodeName() { return settings.getNodeName(); }
    public void setNodeName(String v) { settings.setNodeName(v); }
    public boolean getMetricsEnabled() { return settings.isMetricsEnabled(); }
    public void setMetricsEnabled(boolean v) { settings.setMetricsEnabled(v); }
    public String getTrustStore() { return settings.getTrustStore(); }
    public void setTrustStore(String v) { settings.setTrustStore(v); }
    /** Masked: the password itself is never readable back (JMX exposes these getters). */
    public String getTrustStorePassword() { return settings.get("trustStorePassword"); }
    public void setTrustStorePassword(String v) { settings.setTrustStorePassword(v); }
    public String getTrustStoreType() { return settings.getTrustStoreType(); }
    public void setTrustStoreType(String v) { settings.setTrustStoreType(v); }

    /** The running store (null before start and after stop). */
    public RedisSessionStore store() {
        RedisSessionStore s = store;
        if (s == null) {
            throw new IllegalStateException("Lanyard session manager is not started");
        }
        return s;
    }

    LanyardSettings settings() {
        return settings;
    }

    boolean isRunning() {
        return store != null;
    }

    @Override
    public String getName() {
        return NAME;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Installs the request-boundary valve as soon as the manager is attached to its context. */
    @Override
    public void setContext(Context context) {
        super.setContext(context);
        installValve();
    }

    private void installValve() {
        Context context = getContext();
        if (context == null) {
            return;
        }
        for (Valve v : context.getPipeline().getValves()) {
            if (v == valve) {
                return;
            }
        }
        // Added while the context is being configured, i.e. before ContextConfig adds the
        // authenticator, so the valve sees every session lookup of the request.
        context.getPipeline().addValve(valve);
    }

    @Override
    protected void startInternal() throws LifecycleException {
        super.startInternal();
        Context context = getContext();
        if (!validated) {
            try {
                List<String> fromEnv = settings.applyEnvironment(System.getenv());
                if (!fromEnv.isEmpty()) {
                    log.info("Lanyard settings overridden by LANYARD_* environment variables: " + fromEnv);
                }
                if ((settings.getNodeName() == null || settings.getNodeName().isBlank()) && getJvmRoute() != null) {
                    settings.setNodeName(getJvmRoute());
                }
                settings.validate(context.getPath());
            } catch (LanyardException.ConfigurationException | IllegalStateException e) {
                throw new LifecycleException("Lanyard: " + e.getMessage(), e);
            }
            validated = true;
        }
        installValve();
        // Appended last: called first on requestDestroyed, so an application listener that throws
        // there cannot skip the close (sessions it changes afterwards are written through).
        Object[] listeners = context.getApplicationEventListeners();
        if (!Arrays.asList(listeners).contains(requestListener)) {
            Object[] withOurs = Arrays.copyOf(listeners, listeners.length + 1);
            withOurs[listeners.length] = requestListener;
            context.setApplicationEventListeners(withOurs);
        }
        // The webapp's loader, never ours: attribute classes are in WEB-INF, this class in lib/.
        store = RedisSessionStore.start(settings, context.getLoader().getClassLoader());
        nextScavengeAt = store.now() + store.nextScavengeDelayMillis();
        registerMBean();
        setState(LifecycleState.STARTING);
    }

    @Override
    protected void stopInternal() throws LifecycleException {
        setState(LifecycleState.STOPPING);
        unregisterMBean();
        RedisSessionStore s = store;
        store = null;
        holders.clear();
        sessions.clear();
        if (s != null) {
            s.close();
        }
        super.stopInternal();
    }

    /** Sessions live in Redis: nothing to load at start. */
    @Override
    public void load() {
    }

    /** Sessions live in Redis: nothing to persist at stop. */
    @Override
    public void unload() {
    }

    // ---------------------------------------------------------------- request boundaries

    /**
     * The valve enters: returns the request's open bracket, opening one (and registering the
     * request with the holder of its requested session, no Redis call) if there is none yet.
     */
    Bracket open(Request request) {
        if (request.getAttribute(BRACKET_ATTRIBUTE) instanceof Bracket b) {
            synchronized (b) {
                if (!b.closed) {
                    b.valveDepth++;
                    return b;
                }
            }
        }
        Bracket b = new Bracket(request, enter(request.getRequestedSessionId()));
        b.valveDepth = 1;
        request.setAttribute(BRACKET_ATTRIBUTE, b);
        return b;
    }

    /**
     * The valve leaves. The bracket stays open for {@code requestDestroyed} (error pages, async
     * completion) unless the request listener is not registered on the context.
     */
    void leave(Bracket b) {
        synchronized (b) {
            b.valveDepth--;
        }
        if (!Arrays.asList(getContext().getApplicationEventListeners()).contains(requestListener)
                && !b.request.isAsyncStarted()) {
            close(b);
        }
    }

    /** A request with (possibly) session id {@code requestedId} enters; returns its holder or null. */
    Holder enter(String requestedId) {
        String id = SessionIds.stripRoute(requestedId);
        if (!SessionIds.isValid(id)) {
            return null;
        }
        while (true) {
            Holder h = holders.computeIfAbsent(id, Holder::new);
            synchronized (h) {
                if (!h.removed) {
                    h.users++;
                    return h;
                }
            }
        }
    }

    /**
     * Ends a request's use of this context's sessions (once; later calls do nothing): releases the
     * entered holder and the creation hold of a session the request created; the last user saves.
     * A failed save answers 503/500 if the response is not committed yet, else it is logged (rate
     * limited) and counted as a lost save.
     */
    void close(Bracket b) {
        synchronized (b) {
            if (b.closed) {
                return;
            }
            b.closed = true;
        }
        Request request = b.request;
        request.removeAttribute(BRACKET_ATTRIBUTE);
        RuntimeException failure = null;
        try {
            Session used = null;
            // Only ask the request for its session when that cannot reach Redis: either no
            // session was requested (so only a session created here can be returned), or the
            // requested one was already looked up (its holder answers from memory). Otherwise
            // a session created by this request is released by endAccess when Tomcat recycles it.
            if (isRunning() && (b.entered == null || isLoaded(b.entered))) {
                used = request.getSessionInternal(false);
            }
            if (b.entered != null) {
                failure = releaseQuietly(b.entered, null);
            }
            if (used instanceof RedisSession rs) {
                failure = releaseCreatorHold(rs, failure);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            saveFailed(request, failure);
        }
    }

    private static boolean isLoaded(Holder h) {
        synchronized (h) {
            return h.loaded;
        }
    }

    /** Releases the hold the creating request has on its new session's holder (once). */
    RuntimeException releaseCreatorHold(RedisSession rs, RuntimeException failure) {
        Holder h = rs.holder;
        if (h == null) {
            return failure;
        }
        synchronized (h) {
            if (!h.creatorHold || h.session != rs) {
                return failure;
            }
            h.creatorHold = false;
        }
        return releaseQuietly(h, failure);
    }

    /** Safety net, from {@link RedisSession#endAccess()} when Tomcat recycles a request. */
    void endAccess(RedisSession rs) {
        if (!isRunning()) {
            return;
        }
        RuntimeException failure = releaseCreatorHold(rs, null);
        if (failure != null) {
            lostSave(failure);
        }
    }

    private RuntimeException releaseQuietly(Holder h, RuntimeException earlier) {
        try {
            release(h);
            return earlier;
        } catch (RuntimeException e) {
            if (earlier != null) {
                earlier.addSuppressed(e);
                return earlier;
            }
            return e;
        }
    }

    private void release(Holder h) {
        synchronized (h) {
            if (--h.users > 0) {
                // Other requests of this session still run here (a download, a long poll): store what
                // changed now, so the client's next request sees it on any node, not only after they
                // end. An unchanged session sends nothing. The session stays active (no passivation)
                // for the requests still using it; the last one out saves and passivates as usual.
                RedisSession s = h.session;
                if (s != null && s.isValidLocally() && isRunning()) {
                    try {
                        store().save(s.record());
                    } catch (RuntimeException e) {
                        // Not this request's to report: the changes stay in the shared record, and
                        // the last request out saves them and answers or logs a failure.
                        if (log.isDebugEnabled()) {
                            log.debug("Lanyard: early save of session " + SessionIds.abbreviate(h.id) + " failed: " + e);
                        }
                    }
                }
                return;
            }
            try {
                RedisSession s = h.session;
                if (s != null && s.isValidLocally() && !isRunning()) {
                    // The webapp stopped (undeploy, shutdown) while this request still ran past
                    // Tomcat's unloadDelay: the store is closed, so its changes cannot be saved.
                    lostSaves.incrementAndGet();
                    lostSaveWarnings.warn("stopped", "Lanyard: a request of session " + SessionIds.abbreviate(h.id)
                            + " ended after the webapp stopped; its session changes, if any, are not saved");
                } else if (s != null && s.isValidLocally()) {
                    s.passivate();
                    SaveResult result = store().save(s.record());
                    if (result == SaveResult.GONE && log.isDebugEnabled()) {
                        log.debug("Lanyard: session " + SessionIds.abbreviate(h.id)
                                + " was invalidated elsewhere or expired; changes of this request are dropped");
                    }
                }
            } finally {
                // Saved (or failed) while other requests of this session were blocked on the
                // holder; the next request loads a fresh copy, which includes this save.
                h.removed = true;
                holders.remove(h.id, h);
                if (h.session != null) {
                    // Code that still has the object (an application's requestDestroyed listener,
                    // a request's cached session) writes its changes through from now on.
                    h.session.markReleased();
                    remove(h.session, false);
                }
            }
        }
    }

    /**
     * A session object used outside any request bracket (see {@link RedisSession#markReleased()})
     * was changed: save it at once.
     */
    void saveNow(RedisSession s) {
        if (!isRunning() || !s.isValidLocally()) {
            return;
        }
        try {
            store().save(s.record());
        } catch (RuntimeException e) {
            lostSave(e);
            throw e;
        }
    }

    private void saveFailed(Request request, RuntimeException failure) {
        LanyardException.RedisUnavailableException down = LanyardValve.redisUnavailable(failure);
        if (request.getResponse() != null && !request.getResponse().isCommitted()) {
            if (down != null) {
                LanyardValve.unavailable(request, request.getResponse(), down);
            } else {
                // The core already logged why (oversized, ...); the client must not see a 200.
                log.debug("Lanyard: session save failed, answering 500", failure);
                LanyardValve.plainAnswer(request.getResponse(), 500,
                        "500 Internal Server Error: the session could not be saved.\n");
            }
            return;
        }
        lostSave(failure);
    }

    /** A save failed and the client cannot be told any more: count it and warn (rate limited per cause). */
    private void lostSave(RuntimeException failure) {
        lostSaves.incrementAndGet();
        String cause = failure.getClass().getSimpleName();
        lostSaveWarnings.warn(cause, "Lanyard: a session save failed after the response was committed; the"
                + " request's session changes are lost (" + cause + ": " + failure.getMessage() + ")");
    }

    /** Sessions held in memory by requests in progress (the {@code SessionsInUse} JMX attribute). */
    int sessionsInUse() {
        return holders.size();
    }

    /** Saves that failed after the response was committed (the {@code LostSaves} JMX attribute). */
    long lostSaves() {
        return lostSaves.get();
    }

    // ---------------------------------------------------------------- Manager

    /**
     * Loads a session; a record whose metadata in Redis is unreadable counts as no session (the
     * request continues as a new visitor; the unreadable hash is left for operators and expires
     * by its TTL), with one WARNING per session id.
     */
    private SessionRecord loadReadable(String stored) {
        try {
            return store().load(stored);
        } catch (LanyardException.UnreadableSessionException e) {
            // Size checked before adding (the set stays bounded); ids are validated, at most 128 chars.
            if (unreadableLogged.size() < 1000 && unreadableLogged.add(stored)) {
                log.warn("Lanyard: " + e.getMessage() + "; treating it as no session");
            }
            return null;
        }
    }

    @Override
    public Session findSession(String id) throws IOException {
        String stored = SessionIds.stripRoute(id);
        if (!SessionIds.isValid(stored) || store == null) {
            return null;
        }
        Holder h = holders.get(stored);
        if (h != null) {
            synchronized (h) {
                if (!h.removed) {
                    if (!h.loaded) {
                        SessionRecord record = loadReadable(stored);
                        h.loaded = true;
                        h.session = record == null ? null : attach(new RedisSession(this, record, h));
                    }
                    return h.session;
                }
            }
        }
        // Outside any request of this context: CoyoteAdapter checking which of several session
        // cookies is valid (before any valve), cross-context dispatch, tools. A detached copy that
        // writes changes through. Redis down is "no session" here: the request's own lookup inside
        // the bracket fails again and gets the 503 (CoyoteAdapter would turn it into a 500).
        SessionRecord record;
        try {
            record = loadReadable(stored);
        } catch (LanyardException.RedisUnavailableException e) {
            log.debug("Lanyard: session lookup outside a request bracket failed, Redis unavailable");
            return null;
        }
        if (record == null) {
            return null;
        }
        RedisSession s = new RedisSession(this, record, null);
        s.initDetached(tomcatId(stored));
        s.markReleased();
        return s;
    }

    private RedisSession attach(RedisSession s) {
        s.setValid(true);
        s.setNew(false);
        s.setId(tomcatId(s.record().id()), false);
        s.activate();
        return s;
    }

    @Override
    public Session createSession(String requestedId) {
        Context context = getContext();
        String stored = SessionIds.stripRoute(requestedId);
        if (!SessionIds.isValid(stored)) {
            stored = SessionIds.stripRoute(generateSessionId());
        }
        SessionRecord record = store().create(stored, context.getSessionTimeout() * 60);
        Holder h;
        while (true) {
            h = holders.computeIfAbsent(stored, Holder::new);
            synchronized (h) {
                if (h.removed) {
                    continue;
                }
                if (h.session != null && h.session.isValidLocally()) {
                    // Another request that sent the same (client-provided) id created it a moment
                    // ago: share that object rather than replace it and lose its attributes.
                    return h.session;
                }
                if (!h.creatorHold) {
                    // Released by the creating request: at its bracket's close, or at the latest
                    // by endAccess when Tomcat recycles it (creation outside any bracket).
                    h.creatorHold = true;
                    h.users++;
                }
                RedisSession s = new RedisSession(this, record, h);
                s.setNew(true);
                s.setValid(true);
                h.loaded = true;
                h.session = s;
                s.setId(tomcatId(stored), true); // fires sessionCreated on this (the creating) node
                return s;
            }
        }
    }

    @Override
    public Session createEmptySession() {
        throw new UnsupportedOperationException("Lanyard sessions are created by createSession or loaded from Redis");
    }

    /**
     * Removes {@code session} itself, never another object with the same id: the scavenger expires
     * a detached copy while a request of this node may hold the live one.
     */
    @Override
    public void remove(Session session, boolean update) {
        String id = session.getIdInternal();
        Session live = id == null ? null : sessions.get(id);
        super.remove(session, update); // expiry statistics; removes by id
        if (live != null && live != session) {
            sessions.putIfAbsent(id, live);
        }
        if (update && session instanceof RedisSession rs && rs.holder != null) {
            // Expired or invalidated: later requests of this session must not find the object.
            Holder h = rs.holder;
            synchronized (h) {
                if (h.session == rs) {
                    h.session = null;
                }
            }
        }
    }

    @Override
    protected void changeSessionId(Session session, String newId, boolean notifySessionListeners,
                                   boolean notifyContainerListeners) {
        String stored = SessionIds.stripRoute(newId);
        if (!(session instanceof RedisSession rs) || !SessionIds.isValid(stored)) {
            throw new IllegalArgumentException("cannot change session id to an invalid id");
        }
        Holder h = rs.holder;
        String oldStored = rs.record().id();
        if (!store().changeId(rs.record(), stored)) {
            throw new IllegalStateException("session " + SessionIds.abbreviate(oldStored)
                    + " was invalidated on another node; its id cannot be changed");
        }
        if (h != null) {
            synchronized (h) {
                holders.remove(oldStored, h);
                h.id = stored;
                holders.put(stored, h);
            }
        }
        super.changeSessionId(session, tomcatId(stored), notifySessionListeners, notifyContainerListeners);
    }

    /** The id Tomcat sees: the stored id plus {@code .jvmRoute} when the engine has one. */
    String tomcatId(String stored) {
        String route = getJvmRoute();
        return route == null || route.isEmpty() ? stored : stored + "." + route;
    }

    // ---------------------------------------------------------------- expiry

    /**
     * Called by the container's background thread (and safe to call directly): at the store's
     * jittered interval, claims expired sessions and fires their destroy events here.
     */
    @Override
    public void backgroundProcess() {
        RedisSessionStore s = store;
        if (s == null || s.now() < nextScavengeAt || !scavengeLock.tryLock()) {
            return;
        }
        try {
            nextScavengeAt = s.now() + s.nextScavengeDelayMillis();
            scavenge();
        } finally {
            scavengeLock.unlock();
        }
    }

    /** One scavenge pass now; returns how many expired sessions this node handled. */
    public int scavenge() {
        RedisSessionStore s = store();
        long start = System.currentTimeMillis();
        try {
            return s.scavenge(record -> {
                RedisSession session = new RedisSession(this, record, null);
                session.initDetached(tomcatId(record.id()));
                session.activate();
                session.expireFromStore(); // listeners run under the webapp's class loader (StandardSession.expire)
            });
        } catch (LanyardException.RedisUnavailableException e) {
            log.debug("Lanyard: expiry scan skipped, Redis unavailable", e);
            return 0;
        } finally {
            processingTime += System.currentTimeMillis() - start;
        }
    }

    @Override
    public void processExpires() {
        // Local expiry does not apply: the store decides expiry cluster-wide (see backgroundProcess).
    }

    // ---------------------------------------------------------------- JMX

    private void registerMBean() {
        try {
            mbeanName = new ObjectName(getDomain() + ":" + getObjectNameKeyProperties()
                    .replace("type=Manager", "type=LanyardSessionStore"));
            Registry.getRegistry(null).getMBeanServer()
                    .registerMBean(new StandardMBean(new StoreView(this), LanyardStoreMXBean.class, true), mbeanName);
        } catch (Exception e) {
            log.warn("Lanyard: cannot register the JMX bean " + mbeanName, e);
            mbeanName = null;
        }
    }

    private void unregisterMBean() {
        if (mbeanName != null) {
            try {
                Registry.getRegistry(null).getMBeanServer().unregisterMBean(mbeanName);
            } catch (Exception e) {
                log.debug("Lanyard: cannot unregister " + mbeanName, e);
            }
            mbeanName = null;
        }
    }

    /** The JMX bean's object name while started (for tools and tests). */
    public ObjectName getStoreObjectName() {
        return mbeanName;
    }
}
