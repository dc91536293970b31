package io.lanyard.tomcat;

import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SaveResult;
import io.lanyard.core.SessionIds;
import io.lanyard.core.SessionRecord;
import io.lanyard.core.StoreMetrics;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Session;
import org.apache.catalina.Valve;
import org.apache.catalina.session.ManagerBase;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.modeler.Registry;

import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * <li>No session cache: a node holds a session only while requests use it. The manager installs a
 *     {@link LanyardValve} (first in the context pipeline, so the user writes only the
 *     {@code <Manager>} element) that marks request boundaries. Requests for one session on one
 *     node share one {@link Holder}: the first {@link #findSession} loads the record (one
 *     EVALSHA), later concurrent requests reuse it, and the last request out saves the delta
 *     (nothing, or one EVALSHA) before the response completes, then drops the object. So a
 *     read-only request costs one Redis command and a writing one two.</li>
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
    private final LanyardValve valve = new LanyardValve(this);
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

        Holder(String id) {
            this.id = id;
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

    // ---------------------------------------------------------------- request boundaries (valve)

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
     * A request leaves. {@code used} is the session the request ended with (possibly created or
     * re-keyed during the request); its holder and the entered one are released once each.
     */
    void exit(Holder entered, Session used) {
        Holder created = used instanceof RedisSession rs && rs.holder != null && rs.holder != entered ? rs.holder : null;
        try {
            if (entered != null) {
                release(entered);
            }
        } finally {
            if (created != null) {
                release(created);
            }
        }
    }

    private void release(Holder h) {
        synchronized (h) {
            if (--h.users > 0) {
                return;
            }
            try {
                RedisSession s = h.session;
                if (s != null && s.isValidLocally()) {
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
                    super.remove(h.session, false);
                }
            }
        }
    }

    // ---------------------------------------------------------------- Manager

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
                        SessionRecord record = store().load(stored);
                        h.loaded = true;
                        h.session = record == null ? null : attach(new RedisSession(this, record, h));
                    }
                    return h.session;
                }
            }
        }
        // Outside any request of this context (cross-context id checks, tools): a read-only copy.
        SessionRecord record = store().load(stored);
        if (record == null) {
            return null;
        }
        RedisSession s = new RedisSession(this, record, null);
        s.initDetached(tomcatId(stored));
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
                if (h.users == 0) {
                    h.users = 1; // released by the creating request's exit
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

    @Override
    public void remove(Session session, boolean update) {
        super.remove(session, update);
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
                    .registerMBean(new StandardMBean(new StoreView(), LanyardStoreMXBean.class, true), mbeanName);
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

    private final class StoreView implements LanyardStoreMXBean {
        private StoreMetrics m() {
            return store().metrics();
        }

        @Override public long getLoads() { return m().getLoads(); }
        @Override public long getLoadMisses() { return m().getLoadMisses(); }
        @Override public long getSaves() { return m().getSaves(); }
        @Override public long getBytesRead() { return m().getBytesRead(); }
        @Override public long getBytesWritten() { return m().getBytesWritten(); }
        @Override public long getRedisCommands() { return m().getRedisCommands(); }
        @Override public long getErrors() { return m().getErrors(); }
        @Override public long getRefusedClasses() { return m().getRefusedClasses(); }
        @Override public long getDroppedAttributes() { return m().getDroppedAttributes(); }
        @Override public long getOversizedRefused() { return m().getOversizedRefused(); }
        @Override public long getExpiriesProcessed() { return m().getExpiriesProcessed(); }
        @Override public double getLoadLatencyMeanMicros() { return m().getLoadLatencyMeanMicros(); }
        @Override public long getLoadLatencyMaxMicros() { return m().getLoadLatencyMaxMicros(); }
        @Override public double getSaveLatencyMeanMicros() { return m().getSaveLatencyMeanMicros(); }
        @Override public long getSaveLatencyMaxMicros() { return m().getSaveLatencyMaxMicros(); }

        @Override
        public Map<String, String> getSettings() {
            Map<String, String> out = new LinkedHashMap<>();
            for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
                out.put(s.name(), settings.get(s.name()));
            }
            return out;
        }

        @Override public String getRedisUri() { return settings.maskedRedisUri(); }
        @Override public String getApplication() { return settings.getApplication(); }
        @Override public boolean isRedisDown() { return store().isRedisDown(); }
        @Override public int getSessionsInUse() { return holders.size(); }
    }
}
