package io.lanyard.tomcat;

import io.lanyard.core.ActiveSession;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.LanyardStoreMXBean;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SaveResult;
import io.lanyard.core.SessionRecord;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Session;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.session.ManagerBase;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.modeler.Registry;

import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>Design notes. The per-request lifecycle is the core's ({@link ActiveSession}): this class
 * only maps Tomcat's calls onto it.
 * <ul>
 * <li>No session cache: a node holds a session only while requests use it. A request enters the
 *     core's entry of its requested session (no Redis call); the first {@link #findSession} of
 *     any request of it loads the record (one EVALSHA, shared by concurrent requests, each waiting
 *     at most its own timeouts), and each request saves what it changed when it leaves (nothing,
 *     or one EVALSHA). A read-only request costs one Redis command and a writing one two.</li>
 * <li>Request boundaries (a {@link Bracket} per request): the manager installs a
 *     {@link LanyardValve} (first in the context pipeline) that opens the bracket, and appends a
 *     {@link ServletRequestListener} to the context whose {@code requestDestroyed} closes it.
 *     Tomcat fires that after the context pipeline <em>and</em> after the host renders
 *     {@code <error-page>}s (and, for async requests, when they complete), so sessions read,
 *     changed or created by error pages are saved. The listener is the last one added, hence
 *     the first one called on destroy: an application listener that throws cannot skip it.</li>
 * <li>Whatever still happens outside a bracket is neither lost nor leaked: a session created
 *     there holds its entry until the creating request releases it (at the bracket's close, or
 *     at the latest when Tomcat recycles the request and calls {@code endAccess}); a session
 *     object used after its bracket closed (application {@code requestDestroyed} listeners) or
 *     found outside any request of this context (cross-context dispatch) writes each
 *     {@code setAttribute}/{@code removeAttribute} through to Redis at once.</li>
 * <li>A save that fails is never silent: before the response is committed the client gets a
 *     503 (Redis down) or 500; after, one rate-limited WARN per cause and the
 *     {@code LostSaves} counter.</li>
 * <li>Tomcat's jvmRoute suffix is appended to the ids Tomcat sees and stripped before Redis.</li>
 * <li>Expiry is the core's ({@link RedisSessionStore#startExpiry}); this class only fires
 *     {@code sessionDestroyed} for each session this node claimed, exactly once cluster-wide.</li>
 * <li>The store is started with the webapp's class loader (this class lives in
 *     {@code $CATALINA_BASE/lib}), so attribute classes resolve from any thread.</li>
 * </ul>
 */
public class RedisSessionManager extends ManagerBase {
    private static final Log log = LogFactory.getLog(RedisSessionManager.class);
    private static final String NAME = "RedisSessionManager";

    private final LanyardSettings settings = new LanyardSettings();
    private final Set<String> unreadableLogged = ConcurrentHashMap.newKeySet();
    private final LanyardValve valve = new LanyardValve(this);
    private final RequestListener requestListener = new RequestListener();
    private volatile RedisSessionStore store;
    /** The store of the last start, still counting lost saves of requests that outlive a stop. */
    private volatile RedisSessionStore lastStore;
    private Clock clock = Clock.systemUTC();
    private boolean validated;
    private ObjectName mbeanName;

    /**
     * One request's use of this context's sessions, from the valve's entry to
     * {@code requestDestroyed} (which Tomcat fires after error pages). Stored as a request attribute
     * so that the listener, which only sees the request facade, finds it. Guarded by its monitor.
     */
    static final class Bracket {
        final Request request;
        final ActiveSession entered;
        /** Valve invocations of this request in progress (async dispatches re-enter the valve). */
        int valveDepth;
        boolean closed;

        Bracket(Request request, ActiveSession entered) {
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


    /**
     * The running store.
     *
     * @throws IllegalStateException before start and after stop
     */
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

    /** The store's clock (tests move time instead of sleeping); set before start. */
    void setClock(Clock clock) {
        this.clock = clock;
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
            } catch (LanyardException | IllegalStateException e) {
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
        store = RedisSessionStore.start(settings, context.getLoader().getClassLoader(), clock);
        lastStore = store;
        store.startExpiry(this::expired);
        registerMBean();
        setState(LifecycleState.STARTING);
    }

    @Override
    protected void stopInternal() throws LifecycleException {
        setState(LifecycleState.STOPPING);
        unregisterMBean();
        RedisSessionStore s = store;
        store = null;
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
     * The valve enters: returns the request's open bracket, opening one (and entering the
     * request's requested session, no Redis call) if there is none yet.
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
        Bracket b = new Bracket(request, store().enter(request.getRequestedSessionId()));
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

    /**
     * Ends a request's use of this context's sessions (once; later calls do nothing): leaves the
     * entered session and releases the creation hold of a session the request created; each saves
     * what changed. A failed save answers 503/500 if the response is not committed yet, else it is
     * logged (rate limited) and counted as a lost save.
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
            // requested one was already looked up (its entry answers from memory). Otherwise
            // a session created by this request is released by endAccess when Tomcat recycles it.
            if (isRunning() && (b.entered == null || b.entered.isLoaded())) {
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

    /** Releases the hold the creating request has on its new session's entry (once). */
    RuntimeException releaseCreatorHold(RedisSession rs, RuntimeException failure) {
        return rs.takeCreatorHold() ? releaseQuietly(rs.active, failure) : failure;
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

    private RuntimeException releaseQuietly(ActiveSession a, RuntimeException earlier) {
        try {
            release(a);
            return earlier;
        } catch (RuntimeException e) {
            if (earlier != null) {
                earlier.addSuppressed(e);
                return earlier;
            }
            return e;
        }
    }

    /**
     * One request leaves {@code a}: it stores what changed now, so the client's next request sees
     * it on any node even while other requests of the session still run here (a download, a long
     * poll). The last one out passivates first and drops the object afterwards.
     */
    private void release(ActiveSession a) {
        boolean last = a.leave();
        RedisSession s = a.attachment();
        if (!last) {
            if (s != null && s.isValidLocally() && isRunning()) {
                try {
                    a.save();
                } catch (RuntimeException e) {
                    // Not this request's to report: the changes stay in the shared record, and
                    // the last request out saves them and answers or logs a failure.
                    log.debug("Lanyard: early save of session " + a + " failed: " + e);
                }
            }
            return;
        }
        try {
            if (s != null && s.isValidLocally() && !isRunning()) {
                // The webapp stopped (undeploy, shutdown) while this request still ran past
                // Tomcat's unloadDelay: the store is closed, so its changes cannot be saved.
                lostSave(new IllegalStateException("a request of session " + a
                        + " ended after the webapp stopped; its session changes, if any, are not saved"));
            } else if (s != null && s.isValidLocally()) {
                s.passivate();
                if (a.save() == SaveResult.GONE && log.isDebugEnabled()) {
                    log.debug("Lanyard: session " + a + " was invalidated elsewhere or expired; changes of this request are dropped");
                }
            }
        } finally {
            a.close();
            if (s != null) {
                // Code that still has the object (an application's requestDestroyed listener,
                // a request's cached session) writes its changes through from now on.
                s.markReleased();
                remove(s, false);
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

    /** A save failed and the client cannot be told any more: the core's policy (counted, rate-limited WARNING). */
    private void lostSave(RuntimeException failure) {
        RedisSessionStore s = lastStore;
        if (s != null) {
            s.lostSave(failure);
        }
    }

    /** Sessions held in memory by requests in progress (the {@code SessionsInUse} JMX attribute). */
    int sessionsInUse() {
        RedisSessionStore s = store;
        return s == null ? 0 : s.activeCount();
    }

    /** Saves that failed after the response was committed (the {@code LostSaves} JMX attribute). */
    long lostSaves() {
        RedisSessionStore s = lastStore;
        return s == null ? 0 : s.metrics().getLostSaves();
    }

    // ---------------------------------------------------------------- Manager

    /**
     * The session of a request that entered it, loaded once for all of them; outside any request
     * of this context a detached copy that writes changes through. A record whose metadata in
     * Redis is unreadable counts as no session (the request continues as a new visitor; the
     * unreadable hash is left for operators and expires by its TTL), with one WARNING per id.
     */
    @Override
    public Session findSession(String id) {
        RedisSessionStore st = store;
        if (st == null || id == null) {
            return null;
        }
        ActiveSession a = st.active(id);
        if (a != null) {
            SessionRecord record = readable(a.id(), a::record);
            return record == null ? null : a.attach(record, r -> attach(new RedisSession(this, r, a)));
        }
        // Outside any request of this context: CoyoteAdapter checking which of several session
        // cookies is valid (before any valve), cross-context dispatch, tools. Redis down is "no
        // session" here: the request's own lookup inside the bracket fails again and gets the 503
        // (CoyoteAdapter would turn it into a 500).
        String stored = RedisSessionStore.storedId(id);
        if (stored == null) {
            return null;
        }
        SessionRecord record;
        try {
            record = readable(stored, () -> st.load(stored));
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

    private SessionRecord readable(String id, java.util.function.Supplier<SessionRecord> load) {
        try {
            return load.get();
        } catch (LanyardException.UnreadableSessionException e) {
            if (unreadableLogged.add(id) && unreadableLogged.size() < 1000) {
                log.warn("Lanyard: " + e.getMessage() + "; treating it as no session");
            }
            return null;
        }
    }

    private RedisSession attach(RedisSession s) {
        s.setValid(true);
        s.setNew(false);
        s.setId(tomcatId(s.record().id()), false);
        s.activate();
        return s;
    }

    /**
     * A new session, held by the creating request until it ends. A second request creating a
     * session with the same (client-provided) id a moment later shares the first one's object.
     */
    @Override
    public Session createSession(String requestedId) {
        String stored = RedisSessionStore.storedId(requestedId);
        if (stored == null) {
            stored = RedisSessionStore.storedId(generateSessionId());
        }
        ActiveSession a = store().enter(stored); // the creating request's hold
        SessionRecord record = a.create(getContext().getSessionTimeout() * 60);
        boolean[] fresh = new boolean[1];
        RedisSession s = a.attach(record, r -> {
            fresh[0] = true;
            return new RedisSession(this, r, a);
        });
        if (!fresh[0] || !s.holdForCreator()) {
            releaseQuietly(a, null); // shared with the request that created it: that one holds it
            return s;
        }
        s.setNew(true);
        s.setValid(true);
        s.setId(tomcatId(stored), true); // fires sessionCreated on this (the creating) node
        return s;
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
        if (update && session instanceof RedisSession rs && rs.active != null && rs.active.attachment() == rs) {
            // Expired or invalidated: later requests of this session must not find the object.
            rs.active.invalidated();
        }
    }

    @Override
    protected void changeSessionId(Session session, String newId, boolean notifySessionListeners,
                                   boolean notifyContainerListeners) {
        String stored = RedisSessionStore.storedId(newId);
        if (!(session instanceof RedisSession rs) || stored == null) {
            throw new IllegalArgumentException("cannot change session id to an invalid id");
        }
        boolean moved = rs.active != null ? rs.active.changeId(stored) : store().changeId(rs.record(), stored);
        if (!moved) {
            throw new IllegalStateException("session " + rs.active + " was invalidated on another node; its id cannot be changed");
        }
        super.changeSessionId(session, tomcatId(stored), notifySessionListeners, notifyContainerListeners);
    }

    /** The id Tomcat sees: the stored id plus {@code .jvmRoute} when the engine has one. */
    String tomcatId(String stored) {
        String route = getJvmRoute();
        return route == null || route.isEmpty() ? stored : stored + "." + route;
    }

    // ---------------------------------------------------------------- expiry

    /** The core's expiry callback: fires the destroy events of a session this node claimed. */
    private void expired(SessionRecord record) {
        RedisSession session = new RedisSession(this, record, null);
        session.initDetached(tomcatId(record.id()));
        session.activate();
        session.expireFromStore(); // listeners run under the webapp's class loader (StandardSession.expire)
    }

    /** One expiry pass now (the core also runs them on its own schedule); returns how many sessions this node expired. */
    public int scavenge() {
        try {
            return store().scavenge(this::expired);
        } catch (LanyardException.RedisUnavailableException e) {
            log.debug("Lanyard: expiry scan skipped, Redis unavailable", e);
            return 0;
        }
    }

    @Override
    public void processExpires() {
        // Local expiry does not apply: the core decides expiry cluster-wide on its own schedule.
    }

    // ---------------------------------------------------------------- JMX

    private void registerMBean() {
        try {
            mbeanName = new ObjectName(getDomain() + ":" + getObjectNameKeyProperties()
                    .replace("type=Manager", "type=LanyardSessionStore"));
            Registry.getRegistry(null).getMBeanServer()
                    .registerMBean(new StandardMBean(store.metrics(), LanyardStoreMXBean.class, true), mbeanName);
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
