package io.lanyard.tomcat;

import io.lanyard.api.SessionControl;
import io.lanyard.core.ActiveSession;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.LanyardStoreMXBean;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SessionRecord;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Session;
import org.apache.catalina.session.ManagerBase;

import javax.management.ObjectName;
import java.time.Clock;
import java.util.Collections;
import java.util.function.ToLongFunction;

/**
 * Tomcat {@code Manager} that keeps every session in Redis, so any node can serve any request.
 * Configure it in {@code context.xml}:
 * <pre>{@code
 * <Manager className="io.lanyard.tomcat.RedisSessionManager"
 *          redisUri="redis://127.0.0.1:6379" allowedClasses="com.example.shop.**"/>
 * }</pre>
 * Every Lanyard setting ({@link LanyardSettings#defaults}) is an attribute of the same name, and
 * {@code LANYARD_*} environment variables override them.
 *
 * <p>Design notes. A translator onto the core: requests enter and leave the core's
 * {@link ActiveSession} at their boundaries ({@link LanyardValve}); expiry is the core's, this
 * class only fires {@code sessionDestroyed}. No session cache: a node holds a session only while
 * requests use it. A session object used outside any request of this context writes each change
 * through at once. Tomcat's jvmRoute suffix is appended to the ids Tomcat sees and stripped before
 * Redis. The store decodes with the webapp's class loader (this class lives in {@code lib/}).
 */
public class RedisSessionManager extends ManagerBase {
    private final LanyardSettings settings = new LanyardSettings();
    private final LanyardValve valve = new LanyardValve(this);
    /** The store of the last start; closed after a stop, still counting lost saves of requests that outlive it. */
    private volatile RedisSessionStore store;
    private Clock clock = Clock.systemUTC();

    /**
     * Sets the Lanyard setting {@code name} from text ({@link LanyardSettings#bindAll}: bad values
     * fail the start, unknown names are logged then). Tomcat's Digester calls this for each
     * {@code <Manager>} attribute without a setter of its own, so ManagerBase's attributes keep theirs.
     *
     * @return always true: on false the Digester would log the value, which may hold a password
     */
    public boolean setProperty(String name, String value) {
        settings.bindAll("<Manager> attribute", "", Collections.singletonMap(name, value));
        return true;
    }

    /** The Lanyard setting {@code name} as text, passwords masked; null if there is no such setting. */
    public String getProperty(String name) {
        return LanyardSettings.isSetting(name) ? settings.get(name) : null;
    }

    /** The running store; {@link IllegalStateException} before start and after stop. */
    public RedisSessionStore store() {
        if (!isRunning()) {
            throw new IllegalStateException("Lanyard session manager is not started");
        }
        return store;
    }

    LanyardSettings settings() {
        return settings;
    }

    /** The store's clock (tests move time instead of sleeping); set before start. */
    void setClock(Clock clock) {
        this.clock = clock;
    }

    boolean isRunning() {
        return getState().isAvailable();
    }

    @Override
    public String getName() {
        return "RedisSessionManager";
    }

    /** Installs the request-boundary valve as soon as the manager is attached to its context. */
    @Override
    public void setContext(Context context) {
        super.setContext(context);
        valve.install(context, false);
    }

    @Override
    protected void startInternal() throws LifecycleException {
        super.startInternal();
        Context context = getContext();
        valve.install(context, true);
        try {
            // The webapp's loader, never ours: attribute classes are in WEB-INF, this class in lib/.
            store = RedisSessionStore.start(settings, context.getPath(), getJvmRoute(), context.getLoader().getClassLoader(), clock);
        } catch (LanyardException | IllegalStateException e) {
            throw new LifecycleException("Lanyard: " + e.getMessage(), e);
        }
        // Before any valve, Tomcat looks up the session of each further JSESSIONID cookie of a request.
        store.cookieResolver("org.apache.catalina.connector.CoyoteAdapter", "parseSessionCookiesId");
        store.serve(RedisSession.AUTH_ATTRIBUTE, SessionRecord::loginName, context.getServletContext()::setAttribute,
                this::expired, getDomain() + ":" + getObjectNameKeyProperties().replace("type=Manager", "type=LanyardSessionStore"));
        setState(LifecycleState.STARTING);
    }

    @Override
    protected void stopInternal() throws LifecycleException {
        setState(LifecycleState.STOPPING);
        sessions.clear();
        getContext().getServletContext().removeAttribute(SessionControl.ATTRIBUTE);
        if (store != null) {
            store.close();
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

    /**
     * The session of a request that entered it, loaded once for all of them; outside any request
     * of this context a detached copy that writes changes through ({@link RedisSessionStore#lookup}).
     */
    @Override
    public Session findSession(String id) {
        RedisSessionStore st = store;
        if (!isRunning() || id == null) {
            return null;
        }
        ActiveSession a = st.active(id);
        if (a == null && !st.cookieLookupAllowed()) {
            return null; // past the lookups Tomcat's cookie parsing may make (Tomcat then keeps the last cookie's id)
        }
        // Outside a request of this context: CoyoteAdapter checking cookies before any valve, cross-context, tools.
        SessionRecord record = a != null ? a.record() : st.lookup(id);
        return record == null ? null : a != null ? attached(a, record) : new RedisSession(this, record, null);
    }

    /** A request of this context reached the valve: its cookie parsing is over. */
    void requestEntered() {
        store().cookiesResolved();
    }

    /** The object shared by the requests of {@code a} for {@code record}, made and activated once. */
    private RedisSession attached(ActiveSession a, SessionRecord record) {
        return a.attach(record, r -> {
            RedisSession s = new RedisSession(this, r, a);
            s.setValid(true);
            s.setNew(false);
            s.setId(tomcatId(r.id()), false);
            s.activate();
            return s;
        });
    }

    /**
     * A new session, held by the creating request until it ends. A second request creating a
     * session with the same (client-provided) id a moment later shares the first one's object.
     */
    @Override
    public Session createSession(String requestedId) {
        String stored = RedisSessionStore.storedId(requestedId);
        ActiveSession a = store().enter(stored != null ? stored : RedisSessionStore.storedId(generateSessionId()));
        if (!a.create(getContext().getSessionTimeout() * 60)) {
            RedisSession shared = attached(a, a.record());
            a.leave(null); // the request that created it holds it
            return shared;
        }
        RedisSession s = a.attach(a.record(), r -> new RedisSession(this, r, a));
        s.setNew(true);
        s.setValid(true);
        s.setId(tomcatId(a.id()), true); // fires sessionCreated on this (the creating) node
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

    /** The core's expiry callback: fires the destroy events of a session this node claimed. */
    private void expired(SessionRecord record) {
        new RedisSession(this, record, null).expireFromStore();
    }

    /** One expiry pass now (the core also runs them on its own schedule); returns how many sessions this node expired. */
    public int scavenge() {
        return store().scavenge(this::expired);
    }

    @Override
    public void processExpires() {
        // Local expiry does not apply: the core decides expiry cluster-wide on its own schedule.
    }

    /** The core's JMX bean's object name while started ({@code <engine>:type=LanyardSessionStore,host=..,context=..}). */
    public ObjectName getStoreObjectName() {
        RedisSessionStore s = store;
        return s == null ? null : s.objectName();
    }

    // ---- the application's sessions on all nodes: Tomcat's Manager figures and manager webapp ----

    /** A figure of the core's (cluster-wide, see {@link LanyardStoreMXBean}) while started; Tomcat's own otherwise. */
    private long cluster(ToLongFunction<LanyardStoreMXBean> figure, long local) {
        RedisSessionStore s = store;
        return isRunning() && s != null ? figure.applyAsLong(s.metrics()) : local;
    }

    private static int asInt(long figure) {
        return (int) Math.min(Integer.MAX_VALUE, figure);
    }

    /** Registers the object without Tomcat's {@code maxActive} bookkeeping, which would read the cluster figures on a request. */
    @Override
    public void add(Session session) {
        sessions.put(session.getIdInternal(), session);
    }

    @Override public int getActiveSessions() { return asInt(cluster(m -> m.getActiveSessions(), super.getActiveSessions())); }
    @Override public long getSessionCounter() { return cluster(m -> m.getSessionCounter(), super.getSessionCounter()); }
    @Override public long getExpiredSessions() { return cluster(m -> m.getExpiredSessions(), super.getExpiredSessions()); }
    @Override public int getRejectedSessions() { return asInt(cluster(m -> m.getRejectedSessions(), super.getRejectedSessions())); }
    @Override public int getMaxActive() { return asInt(cluster(m -> m.getMaxActive(), super.getMaxActive())); }
    @Override public int getSessionMaxAliveTime() { return asInt(cluster(m -> m.getSessionMaxAliveTime(), super.getSessionMaxAliveTime())); }
    @Override public int getSessionAverageAliveTime() { return asInt(cluster(m -> m.getSessionAverageAliveTime(), super.getSessionAverageAliveTime())); }

    /**
     * The application's sessions on all nodes ({@link RedisSessionStore#recentSessions}), for Tomcat's
     * manager webapp and JMX: copies whose attributes are read when first used, expired through the core's claim.
     */
    @Override
    public Session[] findSessions() {
        RedisSessionStore s = store;
        if (!isRunning() || s == null) {
            return new Session[0];
        }
        return s.recentSessions().stream().map(r -> new RedisSession(this, r, null).listed()).toArray(Session[]::new);
    }
}
