package io.lanyard.jetty;

import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SaveResult;
import io.lanyard.core.SessionRecord;
import io.lanyard.core.StoreMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty 12 {@code SessionDataStore} that keeps sessions in Redis through Lanyard's core store.
 * Written against the environment-neutral core session API, so it serves ee10 and ee11 webapps.
 *
 * <p>Design notes.
 * <ul>
 * <li>Thin: every call is translated to {@link RedisSessionStore}; what to write (the attribute
 *     delta, by byte comparison) is decided there. A read-only request costs one command (the
 *     load, which also refreshes access time, expiry and TTL in Redis); a writing request two.</li>
 * <li>Times: the load touch already moved {@code accessed}/{@code lastAccessed} in Redis. Jetty
 *     applies the access to the loaded {@link SessionData} itself, so this store hands Jetty the
 *     times as they were before the touch, and never writes access times back.</li>
 * <li>Expiry, exactly once cluster-wide: an expired session is handed to Jetty (whose session
 *     manager then runs {@code sessionDestroyed} and deletes it) only when this node holds its
 *     claim in the shared expiry index. Claims are taken by a Lanyard scavenger thread every
 *     {@code scavengeIntervalSeconds} and by {@code getExpired} (Jetty's house keeper). A
 *     request never claims: on a request (any load inside the webapp's scope) an expired session
 *     this node has not claimed loads as absent, so an expired cookie costs the one load command
 *     and the scavenger of some node runs its listeners. The store's delete of a claimed session
 *     is deferred until Jetty's invalidation (listeners included) has returned, so a node dying
 *     in between leaves the session to be claimed again rather than losing the event. No
 *     keyspace notifications are used.</li>
 * <li>Attributes named {@code io.lanyard.*} are reserved for Lanyard's container-internal data,
 *     e.g. the login a Tomcat node keeps in {@code io.lanyard.tomcat.principal}: they are never
 *     shown to Jetty and never written or removed by a Jetty save, so they survive a Jetty hop of
 *     a session shared with Tomcat nodes.</li>
 * <li>Redis down: with a {@link RedisUnavailableHandler} after the webapp's session handler
 *     (the factory inserts it), a load that finds Redis unreachable reports "no session" to Jetty
 *     (which would otherwise log a stack trace per request and serve the request without its
 *     session) and the handler answers 503 for that request; creating a session while Redis is
 *     known to be down fails with a quiet 503 ({@link #newSessionData}).</li>
 * <li>Use it with {@code DefaultSessionCache} and eviction on session exit (the module sets it):
 *     concurrent requests on a node share one session object, and every new request re-reads
 *     Redis, so a copy changed by another node is never served stale.</li>
 * </ul>
 */
@ManagedObject("Lanyard Redis session data store")
public class RedisSessionDataStore extends AbstractSessionDataStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionDataStore.class);
    /** Name prefix of attributes that belong to Lanyard adapters, not to the webapp (see class notes). */
    static final String RESERVED_PREFIX = "io.lanyard.";

    private final LanyardSettings settings;
    /** Expired sessions whose claim (lease) this node holds and has yet to hand to Jetty. */
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    /**
     * Claimed sessions handed to Jetty for invalidation: Jetty's delete was deferred and the hash
     * is deleted once the listeners ran ({@link #expireClaimed}) or at the next scavenger run.
     */
    private final Set<String> expiring = ConcurrentHashMap.newKeySet();
    /** Old ids of sessions being renamed by Jetty's renewSessionId (see {@link LanyardSessionData#setId}). */
    private final Set<String> renaming = ConcurrentHashMap.newKeySet();
    private volatile RedisSessionStore store;
    private volatile ScheduledExecutorService scavenger;
    private volatile boolean scavengeFailing;
    /** True once a {@link RedisUnavailableHandler} follows this webapp's session handler. */
    private volatile boolean guarded;
    /**
     * The store id whose load found Redis unreachable, set by {@link #doLoad} on the request
     * thread and consumed by the {@link RedisUnavailableHandler} on the same thread, which also
     * clears it when the request leaves it, so it never outlives the request (see the handler).
     */
    private final ThreadLocal<String> unavailableLoad = new ThreadLocal<>();

    /**
     * @param settings this webapp's settings, not yet validated: validated (and sealed) at start,
     *                 after {@code LANYARD_*} environment overrides
     */
    public RedisSessionDataStore(LanyardSettings settings) {
        this.settings = settings;
    }

    /** The core store (after start). */
    public RedisSessionStore getStore() {
        return store;
    }

    @Override
    protected void doStart() throws Exception {
        Slf4jBridge.install(); // first: the core's lines in Jetty's log format (undone in doStop)
        if (_context == null) {
            throw new IllegalStateException("No SessionContext");
        }
        List<String> env = settings.applyEnvironment(System.getenv());
        if (!env.isEmpty()) {
            LOG.info("Lanyard settings overridden by environment: {}", env);
        }
        // The key's application part comes from the context path ("/shop" -> "shop", root ->
        // "ROOT"), not from Jetty's canonical name ("_shop") and never from the virtual host, so
        // a Tomcat node of the same application uses the same keys.
        settings.validate(_context.getContext().getContextPath());
        ClassLoader loader = _context.getContext().getClassLoader();
        if (loader == null) {
            loader = Thread.currentThread().getContextClassLoader();
        }
        store = RedisSessionStore.start(settings, loader);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lanyard-scavenger-" + settings.getApplication());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        scavenger = executor;
        executor.schedule(this::scavengeAndReschedule, store.nextScavengeDelayMillis(), TimeUnit.MILLISECONDS);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        ScheduledExecutorService s = scavenger;
        scavenger = null;
        if (s != null) {
            s.shutdownNow();
            s.awaitTermination(10, TimeUnit.SECONDS);
        }
        RedisSessionStore st = store;
        store = null;
        if (st != null) {
            st.close();
        }
        claimed.clear();
        expiring.clear();
        renaming.clear();
        Slf4jBridge.uninstall();
    }

    @Override
    public boolean isPassivating() {
        return true;
    }

    /**
     * A new session. While Redis is known to be down, one probe (one command, only then) checks
     * whether it is back; if not, the request fails with a quiet 503 rather than getting a
     * session cookie for a session that cannot be saved.
     *
     * @throws SessionStoreUnavailableException (a Jetty {@code HttpException}: 503) while Redis is down
     */
    @Override
    public SessionData newSessionData(String id, long created, long accessed, long lastAccessed, long maxInactiveMs) {
        RedisSessionStore s = store;
        if (s != null && s.isRedisDown()) {
            try {
                s.exists(storeId(id));
            } catch (LanyardException.RedisUnavailableException e) {
                throw new SessionStoreUnavailableException(e);
            }
        }
        return new LanyardSessionData(this, id, _context.getCanonicalContextPath(), _context.getVhost(), created,
                accessed, lastAccessed, maxInactiveMs);
    }

    // ---- load / exists / store / delete ----

    /**
     * As Jetty's, but remembers whether the caller is already inside a webapp's scope (a request,
     * or an expiry run, which loads only sessions this node claimed): there an unclaimed expired
     * session is absent and nothing is claimed. Only a load from outside any webapp scope (tools,
     * tests) may claim on demand, which scans the expiry index.
     */
    @Override
    public SessionData load(String id) throws Exception {
        if (!isStarted()) {
            throw new IllegalStateException("Not started");
        }
        boolean mayClaim = ContextHandler.getCurrentContext() == null;
        AtomicReference<Object> result = new AtomicReference<>();
        _context.run(() -> {
            try {
                result.set(load(id, mayClaim));
            } catch (Exception e) {
                result.set(e);
            }
        });
        Object r = result.get();
        if (r instanceof Exception e) {
            throw e;
        }
        return (SessionData) r;
    }

    /** Loads without claiming: an expired session this node has not claimed is absent. */
    @Override
    public SessionData doLoad(String id) throws Exception {
        return load(id, false);
    }

    private SessionData load(String id, boolean mayClaim) throws Exception {
        String sid = storeId(id);
        SessionRecord r;
        if (guarded) {
            unavailableLoad.remove();
        }
        try {
            r = store.load(sid, true);
        } catch (LanyardException.UnreadableSessionException e) {
            throw new UnreadableSessionDataException(id, _context, e);
        } catch (LanyardException.RedisUnavailableException e) {
            if (!guarded) {
                throw e;
            }
            // Jetty would log a stack trace and serve the request without its session: report
            // "no session" and let RedisUnavailableHandler, next on this thread, answer 503.
            unavailableLoad.set(sid);
            return null;
        }
        if (r == null) {
            return null;
        }
        boolean expired = r.isExpiredAt(store.now());
        if (expired && !claimed.contains(sid) && !(mayClaim && claim(sid, true))) {
            // Not ours (yet): absent here, with no further command on a request; the scavenger
            // that claims it (on this node or another) runs its listeners.
            return null;
        }
        return toSessionData(id, r, expired);
    }

    @Override
    public boolean doExists(String id) {
        return store.exists(storeId(id));
    }

    @Override
    public void doStore(String id, SessionData data, long lastSaveTime) throws Exception {
        String sid = storeId(id);
        LanyardSessionData lsd = data instanceof LanyardSessionData l ? l : null;
        SessionRecord r = lsd == null ? null : lsd.record();
        try {
            store(id, sid, data, lsd, r, lastSaveTime);
        } catch (LanyardException.RedisUnavailableException e) {
            // Jetty would log a WARN with a stack trace for every request of the outage (from its
            // commit or release); the core logs the outage once. The response cannot be turned
            // into a 503 here: Jetty stores at commit, after the status and headers were fixed.
            if (LOG.isDebugEnabled()) {
                LOG.debug("Session {} not stored: Redis is unreachable", abbreviate(id));
            }
        }
    }

    private void store(String id, String sid, SessionData data, LanyardSessionData lsd, SessionRecord r,
                       long lastSaveTime) {
        if (r != null && !r.id().equals(sid)) {
            // Jetty's renewSessionId: move the whole record (old hash deleted first, no RENAME).
            String oldSid = r.id();
            try {
                sync(lsd, r, data);
                if (!store.changeId(r, sid)) {
                    LOG.info("Session {} was invalidated elsewhere during its id change; not stored", abbreviate(id));
                }
            } finally {
                renaming.remove(oldSid); // never left behind, also when the move failed
            }
            return;
        }
        if (r == null) {
            // Saved before (by another store instance, e.g. after a restart) means update, else create.
            r = lastSaveTime > 0 ? store.peek(sid) : null;
            if (r == null) {
                r = store.create(sid, seconds(data.getMaxInactiveMs()));
            }
            if (lsd != null) {
                lsd.record(r);
            }
        }
        sync(lsd, r, data);
        SaveResult result = store.save(r);
        if (result == SaveResult.GONE && LOG.isDebugEnabled()) {
            LOG.debug("Session {} is gone (invalidated on another node or expired); not written", abbreviate(id));
        }
    }

    @Override
    public boolean delete(String id) throws Exception {
        String sid = storeId(id);
        if (renaming.remove(sid)) {
            return true; // the following doStore under the new id removes the old hash
        }
        if (claimed.remove(sid)) {
            // Jetty deletes before it runs the listeners: keep the hash (and the claim) until
            // they ran, so a node dying in between leaves the session to be claimed again.
            expiring.add(sid);
            return true;
        }
        return store.delete(sid);
    }

    /** Marks this store as followed by a {@link RedisUnavailableHandler}. */
    void guarded() {
        guarded = true;
    }

    /**
     * True when a load of the session {@code requestedId} (as requested, possibly with Jetty's
     * worker suffix) on this thread found Redis unreachable; forgets any
     * such note.
     */
    boolean takeUnavailableLoad(String requestedId) {
        String failed = unavailableLoad.get();
        if (failed == null) {
            return false;
        }
        unavailableLoad.remove();
        if (requestedId == null) {
            return false;
        }
        // The requested id may carry Jetty's ".workerName" suffix; the store saw it without.
        String id = _context.getSessionManager().getSessionIdManager().getId(requestedId);
        return failed.equals(storeId(id));
    }

    /** Forgets a note of a failed load on this thread (the handler calls it when the request leaves). */
    void clearUnavailableLoad() {
        unavailableLoad.remove();
    }

    void renaming(String oldId) {
        renaming.add(storeId(oldId));
    }

    // ---- expiry ----

    @Override
    public Set<String> doCheckExpired(Set<String> candidates, long time) {
        Set<String> expired = new HashSet<>();
        for (String id : candidates) {
            String sid = storeId(id);
            if (claimed.contains(sid)) {
                expired.add(id);
                continue;
            }
            SessionRecord r;
            try {
                r = store.peek(sid);
            } catch (LanyardException.UnreadableSessionException e) {
                expired.add(id);
                continue;
            }
            if (r == null) {
                // Gone from Redis: invalidated (its listeners ran where that happened) or deleted
                // by the node that expired it. Reported only when this node holds no session
                // object for it, so Jetty finds nothing to invalidate and fires no sessionDestroyed
                // here; a copy in this node's cache is left to its requests (with eviction on
                // session exit it is dropped when they leave).
                if (!cachedHere(id)) {
                    expired.add(id);
                }
            } else if (r.isExpiredAt(time) && claim(sid, false)) {
                expired.add(id);
            }
        }
        return expired;
    }

    /**
     * Claims expired sessions from the shared index, cluster-wide: {@code before} is not needed
     * since a claim is atomic, so Jetty's grace delay does not apply.
     */
    @Override
    public Set<String> doGetExpired(long before) {
        claimed.addAll(store.claimExpired());
        Set<String> ids = new HashSet<>();
        for (String sid : claimed) {
            ids.add(jettyId(sid));
        }
        return ids;
    }

    /**
     * Deletes, without listeners, claimed sessions that expired at or before {@code time} <em>and</em>
     * longer ago than {@code gracePeriodSeconds}. Lanyard hashes live only until expiry plus that
     * grace (TTL), so such orphans exist only when written with a longer TTL by something else.
     * Jetty passes {@code now - 10 x jetty.session.gracePeriod.seconds}, and runs this on its first
     * house-keeping pass: with a short (or zero) Jetty grace period, {@code time} alone would drop
     * sessions whose {@code sessionDestroyed} listeners are still due; those stay claimed and are
     * expired with listeners by the scavenger instead.
     */
    @Override
    public void doCleanOrphans(long time) {
        long cutoff = Math.min(time, store.now() - settings.getGracePeriodSeconds() * 1000L);
        claimed.addAll(store.claimExpired());
        for (String sid : new ArrayList<>(claimed)) {
            SessionRecord r;
            try {
                r = store.peek(sid);
            } catch (LanyardException.UnreadableSessionException e) {
                r = null;
            }
            if (r == null || (r.expiryTime() > 0 && r.expiryTime() <= cutoff)) {
                claimed.remove(sid);
                store.deleteExpired(sid);
            }
        }
    }

    private boolean cachedHere(String id) {
        try {
            return _context.getSessionManager().getSessionCache().contains(id);
        } catch (Exception e) {
            return true; // unknown: do not report it as expired
        }
    }

    /** Claims due sessions; true when {@code sid} is now this node's. */
    private boolean claim(String sid, boolean handleOthersNow) {
        List<String> got = store.claimExpired();
        claimed.addAll(got);
        if (handleOthersNow && (got.size() > (got.contains(sid) ? 1 : 0))) {
            // Others claimed on the way are handled at once, well within their lease.
            ScheduledExecutorService s = scavenger;
            if (s != null) {
                s.execute(this::expireClaimed);
            }
        }
        return got.contains(sid);
    }

    private void scavengeAndReschedule() {
        try {
            finishExpiring(); // handed to Jetty by its house keeper or a request since the last run
            claimed.addAll(store.claimExpired());
            expireClaimed();
            if (scavengeFailing) {
                scavengeFailing = false;
                LOG.info("Lanyard scavenger for {} works again", settings.getApplication());
            }
        } catch (RuntimeException e) {
            if (!scavengeFailing) {
                scavengeFailing = true; // one line per outage, not per run
                LOG.warn("Lanyard scavenger for {} failed: {}", settings.getApplication(), e.toString());
            }
        } finally {
            ScheduledExecutorService s = scavenger;
            RedisSessionStore st = store;
            if (s != null && st != null && !s.isShutdown()) {
                s.schedule(this::scavengeAndReschedule, st.nextScavengeDelayMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Hands each claimed session to Jetty's session manager: listeners run here, then it is deleted. */
    private void expireClaimed() {
        for (String sid : new ArrayList<>(claimed)) {
            if (!isRunning()) {
                return;
            }
            String id = jettyId(sid);
            _context.run(() -> {
                try {
                    _context.getSessionManager().invalidate(id);
                } catch (Exception e) {
                    LOG.warn("Expiring session {} failed", abbreviate(id), e);
                }
            });
            if (expiring.remove(sid) || claimed.remove(sid)) {
                // Listeners ran (or Jetty found nothing to invalidate): now delete the hash, if it
                // is still expired, and its index entry.
                store.deleteExpired(sid);
            }
        }
    }

    /** Deletes claimed sessions whose invalidation Jetty has finished outside {@link #expireClaimed}. */
    private void finishExpiring() {
        for (String sid : new ArrayList<>(expiring)) {
            if (expiring.remove(sid)) {
                store.deleteExpired(sid);
            }
        }
    }

    // ---- mapping ----

    private SessionData toSessionData(String id, SessionRecord r, boolean expired) {
        // Touched records: report the times as they were before this load's touch (Jetty applies
        // the access itself). Expired records were not touched.
        long accessed = expired ? r.accessedTime() : r.lastAccessedTime();
        long lastAccessed = expired ? r.lastAccessedTime() : r.previousLastAccessedTime();
        LanyardSessionData d = new LanyardSessionData(this, id, _context.getCanonicalContextPath(), _context.getVhost(),
                r.creationTime(), accessed, lastAccessed, millis(r.maxInactiveSeconds()));
        Map<String, Object> visible = new HashMap<>(r.attributes());
        visible.keySet().removeIf(RedisSessionDataStore::isReserved);
        d.putAllAttributes(visible);
        d.setExpiry(r.expiryTime());
        d.setLastNode(r.lastNode());
        d.setLastSaved(store.now());
        d.record(r);
        d.clean();
        return d;
    }

    /**
     * Hands Jetty's attribute changes to the record; the core decides what actually changed.
     * Reserved ({@code io.lanyard.*}) attributes are left as they are in the record, so the save
     * neither rewrites nor removes them.
     */
    private static void sync(LanyardSessionData lsd, SessionRecord r, SessionData data) {
        if (lsd != null) {
            for (String name : lsd.drainDirtyNames()) {
                if (!isReserved(name)) {
                    r.setAttribute(name, data.getAttribute(name));
                }
            }
        }
        Map<String, Object> attrs = data.getAllAttributes();
        for (Map.Entry<String, Object> e : attrs.entrySet()) {
            if (!isReserved(e.getKey()) && r.getAttribute(e.getKey()) != e.getValue()) {
                r.setAttribute(e.getKey(), e.getValue());
            }
        }
        for (String name : r.attributeNames()) {
            if (!attrs.containsKey(name) && !isReserved(name)) {
                r.removeAttribute(name);
            }
        }
        r.setMaxInactiveSeconds(seconds(data.getMaxInactiveMs()));
    }

    /** True for attribute names reserved for Lanyard adapters ({@code io.lanyard.*}). */
    static boolean isReserved(String attributeName) {
        return attributeName.startsWith(RESERVED_PREFIX);
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

    static int seconds(long maxInactiveMs) {
        // A positive timeout never rounds down to "never expires".
        return maxInactiveMs <= 0 ? -1 : (int) Math.max(1, (maxInactiveMs + 999) / 1000);
    }

    static long millis(int maxInactiveSeconds) {
        return maxInactiveSeconds <= 0 ? -1 : maxInactiveSeconds * 1000L;
    }

    private static String abbreviate(String id) {
        return id == null || id.length() <= 8 ? String.valueOf(id) : id.substring(0, 8) + "...";
    }

    // ---- JMX ----

    private StoreMetrics metrics() {
        RedisSessionStore s = store;
        return s == null ? null : s.metrics();
    }

    @ManagedAttribute("Redis URI (password masked)")
    public String getRedisUri() {
        return settings.maskedRedisUri();
    }

    @ManagedAttribute("Application part of the Redis keys")
    public String getApplication() {
        return settings.getApplication();
    }

    @ManagedAttribute("True while Redis is considered unreachable")
    public boolean isRedisDown() {
        RedisSessionStore s = store;
        return s != null && s.isRedisDown();
    }

    @ManagedAttribute("Sessions loaded from Redis")
    public long getLoads() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getLoads();
    }

    @ManagedAttribute("Loads that found no usable session")
    public long getLoadMisses() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getLoadMisses();
    }

    @ManagedAttribute("Saves that wrote something")
    public long getSaves() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getSaves();
    }

    @ManagedAttribute("Bytes of session data read from Redis")
    public long getBytesRead() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getBytesRead();
    }

    @ManagedAttribute("Bytes of session data written to Redis")
    public long getBytesWritten() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getBytesWritten();
    }

    @ManagedAttribute("Redis commands sent")
    public long getRedisCommands() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getRedisCommands();
    }

    @ManagedAttribute("Failed Redis calls")
    public long getErrors() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getErrors();
    }

    @ManagedAttribute("Class names refused by the allowlist")
    public long getRefusedClasses() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getRefusedClasses();
    }

    @ManagedAttribute("Attributes dropped because they could not be decoded")
    public long getDroppedAttributes() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getDroppedAttributes();
    }

    @ManagedAttribute("Saves refused as larger than maxSessionBytes")
    public long getOversizedRefused() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getOversizedRefused();
    }

    @ManagedAttribute("Expired sessions handled by this node")
    public long getExpiriesProcessed() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getExpiriesProcessed();
    }

    @ManagedAttribute("Mean load latency (microseconds)")
    public double getLoadLatencyMeanMicros() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getLoadLatencyMeanMicros();
    }

    @ManagedAttribute("Largest load latency (microseconds)")
    public long getLoadLatencyMaxMicros() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getLoadLatencyMaxMicros();
    }

    @ManagedAttribute("Mean save latency (microseconds)")
    public double getSaveLatencyMeanMicros() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getSaveLatencyMeanMicros();
    }

    @ManagedAttribute("Largest save latency (microseconds)")
    public long getSaveLatencyMaxMicros() {
        StoreMetrics m = metrics();
        return m == null ? 0 : m.getSaveLatencyMaxMicros();
    }

    @Override
    public String toString() {
        return String.format("%s@%x[application=%s,redis=%s]", getClass().getSimpleName(), hashCode(),
                settings.getApplication(), settings.maskedRedisUri());
    }
}
