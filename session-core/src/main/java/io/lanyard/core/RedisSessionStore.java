package io.lanyard.core;

import io.lanyard.api.SessionControl;

import javax.management.ObjectName;
import java.time.Clock;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The container-neutral session store: one per webapp per node. Adapters translate container
 * calls to these few methods and nothing else.
 *
 * <p>Its design notes (cost per request, atomic single-key scripts, expiry, threads, the
 * principal index, class loaders) are the package's: see {@link io.lanyard.core}.
 */
public final class RedisSessionStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private final LanyardSettings settings;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final RedisLayout layout;
    private final ScheduledThreadPoolExecutor scheduler;
    private final RedisCalls redis;
    private final SessionWriter writer;
    private final Principals principals;
    private final PrincipalIndex index;
    private final Expiry expiry;
    private final ActiveSessions table = new ActiveSessions();
    private final SessionReader reader;
    private final StoreView view;
    private final TouchPolicy touch;
    private final ClusterFigures figures;
    private final SessionListing listing;
    private final ContainerCopies copies = new ContainerCopies(this);

    private RedisSessionStore(LanyardSettings settings, ClassLoader classLoader, Clock clock) {
        if (settings.getApplication() == null) {
            throw new IllegalStateException("call LanyardSettings.validate(contextPath) before starting the store");
        }
        this.settings = settings;
        this.clock = clock;
        this.metrics = MetricsRecorder.create(settings.isMetricsEnabled());
        ClassAllowlist allowlist = ClassAllowlist.parse(settings.getAllowedClasses());
        allowlist.warnAboutBareNames(LOG);
        this.codec = new AttributeCodec(allowlist, classLoader, metrics);
        this.layout = new RedisLayout(settings.getKeyPrefix(), settings.getApplication(), settings.getExpiryShards());
        this.scheduler = StoreStart.scheduler(settings.getApplication(), classLoader);
        this.redis = new RedisCalls(settings, metrics, scheduler, layout.probeKey());
        this.touch = new TouchPolicy(settings.getTouchIntervalSeconds());
        this.figures = new ClusterFigures(redis, layout, metrics, clock);
        this.listing = new SessionListing(redis, layout, metrics, touch);
        this.principals = new Principals(settings);
        this.index = new PrincipalIndex(this, redis, layout, settings, metrics);
        this.reader = new SessionReader(this, redis, layout, settings, metrics, codec, touch);
        this.writer = new SessionWriter(this, redis, layout, settings, metrics, codec, principals, index, reader);
        this.expiry = new Expiry(this, writer, reader, index, redis, layout, settings, metrics, clock, scheduler);
        this.view = new StoreView(settings, metrics.view(), redis, LOG, table::size, index, figures);
    }

    /**
     * Starts a store for one webapp. Sends one command to check the connection: refused
     * credentials or permissions fail the start (logged at ERROR with the fix); an unreachable
     * Redis is logged as one WARNING and the store starts anyway. Then logs every effective setting.
     *
     * @param settings    validated settings ({@link LanyardSettings#validate(String)})
     * @param classLoader the webapp's class loader: attribute classes are resolved with it
     * @param clock       the store's clock ({@code Clock.systemUTC()}; tests move time instead of sleeping)
     * @throws LanyardException.ConfigurationException when Redis refuses Lanyard's password, ACL user or key prefix
     */
    public static RedisSessionStore start(LanyardSettings settings, ClassLoader classLoader, Clock clock) {
        RedisSessionStore store = new RedisSessionStore(settings, classLoader, clock);
        return StoreStart.checked(store, store.redis, settings);
    }

    /**
     * Starts the store of one webapp the way both adapters do: applies the {@code LANYARD_*}
     * environment overrides (logged), takes {@code defaultNodeName} when no node name is set, and
     * validates ({@link LanyardSettings#validate}); settings validated before (a restarted webapp)
     * are used as they are. Then as {@link #start(LanyardSettings, ClassLoader, Clock)}. The log
     * lines go to the settings' {@linkplain LanyardSettings#setLogHandler log handler} until {@link #close()}.
     *
     * @param contextPath     the webapp's context path (the default application name)
     * @param defaultNodeName the container's name for this node (Tomcat's jvmRoute), or {@code null}
     * @throws LanyardException listing every bad setting, or when Redis refuses Lanyard's credentials
     */
    public static RedisSessionStore start(LanyardSettings settings, String contextPath, String defaultNodeName,
                                          ClassLoader classLoader, Clock clock) {
        return StoreStart.start(settings, contextPath, defaultNodeName, () -> start(settings, classLoader, clock));
    }

    /** Current time of the store's clock, epoch millis. */
    public long now() { return clock.millis(); }

    /** The validated settings this store runs with. */
    public LanyardSettings settings() { return settings; }

    /** The store's counters and state: the one JMX view of both adapters. */
    public LanyardStoreMXBean metrics() { return view; }

    /**
     * For a container that keeps its own copies of the sessions in use (Jetty's cache): their count, for
     * {@link LanyardStoreMXBean#getSessionsInUse()}, and its name for this node (Jetty's worker name, {@code node0} on
     * every node by default), stored as {@code nodeName} ({@link #copyNodeToStore}) and loaded back ({@link #copyLastNode}).
     */
    public void containerCopies(java.util.function.IntSupplier sessionsInUse, String thisNode) {
        view.sessionsInUse(sessionsInUse);
        copies.thisNode(thisNode);
    }

    /** A copy's last node, as the container names it, as stored ({@link #containerCopies}). */
    public String copyNodeToStore(String lastNode) { return copies.nodeToStore(lastNode); }

    /** The last node stored in {@code record} as the container names it ({@link #containerCopies}). */
    public String copyLastNode(SessionRecord record) { return copies.nodeLoaded(record.storedLastNode()); }

    /**
     * The one failure policy for a save that failed after the response was committed, so the client cannot be
     * told any more: counted ({@code LostSaves}) and logged, one WARNING per cause and minute.
     */
    public void lostSave(RuntimeException failure) { view.lostSave(failure); }

    /**
     * Registers {@link #metrics()} as an MXBean under {@code name} until {@link #close()}; a name taken by another
     * store (two nodes in one JVM) gets {@code ,node=<nodeName>} appended. Returns the name, or null (failed, logged).
     */
    ObjectName registerMBean(String name) { return view.register(name); }

    /**
     * The start steps of both adapters, once after {@link #start}, before the first request. Where the container
     * keeps its login (Tomcat's, Jetty's): session attribute {@code loginAttribute}, whose value {@code userName}
     * turns into the user's name (null when it holds none); a session with a login belongs to that user, otherwise
     * to the value of {@code principalAttribute}, if set. {@link #sessionControl()} is published through
     * {@code contextAttributes} (the servlet context's {@code setAttribute}) under {@link SessionControl#ATTRIBUTE};
     * the expiry passes hand expired sessions to {@code expired} ({@link #startExpiry}); the JMX bean is registered
     * under {@code mbeanName} ({@link #registerMBean}, then {@link #objectName()}).
     */
    public void serve(String loginAttribute, java.util.function.Function<Object, String> userName,
                      java.util.function.BiConsumer<String, Object> contextAttributes,
                      java.util.function.Consumer<SessionRecord> expired, String mbeanName) {
        principals.containerLogin(loginAttribute, userName);
        contextAttributes.accept(SessionControl.ATTRIBUTE, index);
        startExpiry(expired);
        registerMBean(mbeanName);
    }

    /** The name {@link #metrics()} is registered under ({@link #serve}) until {@link #close()}, else {@code null}. */
    public ObjectName objectName() { return view.registered(); }

    /**
     * The application API ({@link SessionControl}) of this store: a principal's sessions, and
     * signing them out. Adapters publish it as the {@code ServletContext} attribute
     * {@link SessionControl#ATTRIBUTE}.
     */
    public SessionControl sessionControl() { return index; }

    /** True while the breaker considers Redis unreachable. */
    public boolean isRedisDown() { return redis.isDown(); }

    /**
     * True while a new session could not be saved: Redis is down, or full ({@code maxmemory}) and
     * refused a write within the last second.
     */
    public boolean refusesNewSessions() { return redis.isDown() || redis.isFull(); }

    /** The Redis key of a session (for operators, logs and tests). */
    public String sessionKey(String id) { return layout.sessionKeyText(id); }

    /** The Redis key of a principal's index of sessions (for operators and tests). */
    public String principalKey(String principal) { return layout.principalKeyText(principal); }

    // ---- the request lifecycle ----

    /**
     * A request enters the session named by {@code cookieValue} (a route suffix after the first
     * dot is stripped): no Redis call. Concurrent requests of one session share the returned
     * entry; each must {@link ActiveSession#leave leave} it once.
     *
     * @return the entry, or {@code null} when the value is not a valid session id
     */
    public ActiveSession enter(String cookieValue) {
        String id = storedId(cookieValue);
        return id == null ? null : table.enter(this, id);
    }

    /** The entry of a session that requests on this node are using (not closing), or {@code null}. */
    public ActiveSession active(String cookieValue) {
        String id = storedId(cookieValue);
        return id == null ? null : table.active(id);
    }

    /**
     * The id a session is stored under: the cookie value without a route suffix (Tomcat's
     * {@code .jvmRoute}, Jetty's {@code .workerName}); {@code null} unless it is a valid id
     * (charset, length), so nothing else ever becomes part of a Redis key.
     */
    public static String storedId(String cookieValue) { return SessionIds.stored(cookieValue); }

    boolean isClosed() { return redis.isClosed(); }

    ActiveSessions table() { return table; }

    /**
     * A new session in memory only; it reaches Redis with its first {@link #save}.
     *
     * @throws IllegalArgumentException when the id is not a valid session id
     */
    public SessionRecord create(String id, int maxInactiveSeconds) {
        SessionIds.requireValid(id);
        long now = now();
        metrics.created();
        return new SessionRecord(id, now, now, now, maxInactiveSeconds, touch.expiryFor(now, maxInactiveSeconds),
                0, settings.getNodeName(), true, touch);
    }

    /**
     * Loads a session: one read-only Redis command, plus one that writes the access (access times,
     * expiry, TTL) when the stored access is older than the touch interval. The record holds the
     * times after this access; {@link SessionRecord#storedAccessedTime()} etc. as they were stored
     * before it.
     *
     * @return the session, or {@code null} when the id is invalid, or the session does not exist or has expired
     * @throws LanyardException.UnreadableSessionException when the stored metadata is unreadable
     * @throws LanyardException.RedisUnavailableException when Redis cannot be reached
     */
    public SessionRecord load(String id) { return reader.load(id, false); }
    /** After the last request using {@code r} on this node left and saved: its decoded values, for the next load ({@link DecodedValues}). */
    void keepDecoded(SessionRecord r) { reader.decodedValues().keep(r); }

    /**
     * A session looked up by cookie value outside any request that {@linkplain #enter entered} it
     * (a container checking which of several cookies is valid, a cross-context dispatch, tools);
     * {@code null} also while Redis is unavailable (the request's own lookup fails again: 503) and
     * when its metadata is unreadable (one WARNING per id; the hash expires by its TTL).
     */
    public SessionRecord lookup(String cookieValue) { return reader.lookup(cookieValue); }

    /** As {@link #load(String)}; an unreadable session is no session ({@link #lookup}). */
    SessionRecord loadReadable(String id) { return reader.loadReadable(id); }

    /**
     * As {@link #load(String)}; with {@code includeExpired} an expired session is returned too
     * (untouched, {@link SessionRecord#isExpiredAt} true) instead of {@code null}, still in one
     * command. Jetty's session manager loads expired sessions itself to run their listeners. A
     * session this node's expiry is handing to the adapter ({@link #startExpiry}) is returned as
     * it is, without a command: what the container's lookups during its listeners must see.
     */
    public SessionRecord load(String id, boolean includeExpired) {
        SessionRecord expiring = expiry.handingOver(id);
        return expiring != null ? expiring : reader.load(id, includeExpired);
    }

    /**
     * Reads a session without touching it, also when it has expired (for expiry listeners and
     * Jetty's scavenger). One command.
     *
     * @return the session, or {@code null} when it does not exist
     */
    public SessionRecord peek(String id) { return reader.peek(id); }

    /**
     * True when a load of session {@code id} found Redis unreachable at or after
     * {@code sinceNanos} ({@link System#nanoTime()}) and no load of it succeeded since: for a
     * container that swallows the load's failure (Jetty's session manager) and answers 503 after.
     */
    public boolean loadFailedSince(String id, long sinceNanos) { return reader.loadFailedSince(id, sinceNanos); }

    /** True when the session exists and has not expired. One command. */
    public boolean exists(String id) { return reader.exists(id); }

    /**
     * Writes what changed since the record was loaded or last saved, atomically, in one command.
     * A new record is created; an existing one gets only its changed and removed attributes (and
     * metadata when its timeout changed). Nothing is sent when nothing changed. Saves of one
     * record are serialized; a save waits for another one of the same record at most the connect
     * timeout (as for a free connection), so with its own call it stays within connect + read.
     *
     * @return {@link SaveResult#GONE} when another node invalidated the session or it expired: nothing was written
     * @throws LanyardException.SessionTooLargeException when the encoded session exceeds maxSessionBytes: nothing was written
     */
    public SaveResult save(SessionRecord record) { return writer.save(record, false); }

    /**
     * As {@link #save(SessionRecord)}, for a caller that knows no other request holds attribute
     * values of this record: the attributes this save compared are then compared by the next save
     * only if read or set again meanwhile. Jetty stores a session at response commit and again when
     * the request ends; the second store is then nearly free. A value changed in place after the
     * first save, through a reference read before it, is not seen by the second.
     */
    public SaveResult save(SessionRecord record, boolean noOtherUsers) { return writer.save(record, noOtherUsers); }

    /** As {@link #save(SessionRecord)}, for a change no client can be told of: a failure is also a lost save ({@link #lostSave}). */
    public SaveResult saveOrCountLost(SessionRecord record) { return view.countingLost(() -> writer.save(record, false)); }

    /**
     * Deletes a session (invalidate). One command. A session this node's expiry is handing over
     * ({@link #startExpiry}) is left to it: deleted once its listeners ran.
     *
     * @return true when it existed
     */
    public boolean delete(String id) {
        return SessionIds.isValid(id) && (copies.skipsDelete(id) || expiry.handingOver(id) != null || writer.delete(id, true));
    }

    /**
     * Stores a container's own copy of a session (Jetty's {@code SessionData}) as {@code id}: {@code sync}
     * hands its state to the {@code record} it was made from, else the stored one when {@code storedBefore},
     * else a new one; a record whose id changed ({@link #idChanging}) moves ({@link #changeId}). A failure is a lost save,
     * except a move's, which is thrown: it runs inside the request (Jetty's renewSessionId), and the session stays under its old id.
     * {@code requestsHere}: requests using it on this node (0: the last left, a final store; 1: only the storing one).
     */
    public void storeCopy(String id, SessionRecord record, boolean storedBefore, int maxInactiveSeconds,
                          java.util.function.Consumer<SessionRecord> sync, java.util.function.IntSupplier requestsHere) {
        copies.store(id, record, storedBefore, maxInactiveSeconds, sync, requestsHere);
    }

    /**
     * A container changes a session's id by deleting {@code oldId}, then storing its copy ({@link #storeCopy}):
     * that delete is skipped, the store moves the record (a session invalidated elsewhere is not brought back).
     */
    public void idChanging(String oldId) { copies.idChanging(oldId); }

    /**
     * Moves a session to a new id (session-fixation protection at login) without RENAME, which
     * would cross Cluster slots: the old hash is deleted first, so the old id is dead even if this
     * node stops half-way, then the whole record is written under the new id.
     *
     * @return false when the session no longer existed under its old id (nothing was written)
     */
    public boolean changeId(SessionRecord record, String newId) { return writer.changeId(record, newId); }

    // ---- expiry ----

    /**
     * Starts this node's expiry passes (every {@code scavengeIntervalSeconds}, jittered). Each
     * expired session is handed to one node's {@code handler} exactly once cluster-wide (at least
     * once if the claiming node dies before it finishes), with its attributes readable; the
     * adapter fires the container's {@code sessionDestroyed} listeners there. When it returns the
     * session is deleted; when it throws, the failure is logged and the session deleted all the
     * same (a listener bug must not keep a dead session forever).
     */
    public void startExpiry(java.util.function.Consumer<SessionRecord> handler) { expiry.start(handler); }

    /**
     * One expiry pass now (as the scheduled ones); returns how many sessions were handed to
     * {@code handler}, 0 while Redis is unavailable.
     */
    public int scavenge(java.util.function.Consumer<SessionRecord> handler) { return expiry.scavenge(handler); }

    /**
     * For a container that keeps its own sessions to check (Jetty's expiry candidates): those of
     * {@code ids} that are gone from Redis (invalidated elsewhere, or expired and deleted by the
     * node that ran their listeners) and not {@code heldHere}. When one of them has expired, an
     * expiry pass runs now, and those it hands to {@code handler} count as gone too.
     */
    public java.util.Set<String> gone(java.util.Set<String> ids, java.util.function.Predicate<String> heldHere,
                                      java.util.function.Consumer<SessionRecord> handler) {
        return expiry.gone(ids, heldHere, handler);
    }

    /**
     * Deletes, without listeners, sessions that expired at or before {@code cutoff} (Jetty's
     * orphan sweep) and longer than {@code gracePeriodSeconds} ago, whose listeners are no longer
     * due; returns how many.
     */
    public int dropExpired(long cutoff) { return expiry.dropExpired(cutoff); }

    /** The expiry passes, for the store's parts and tests (claims, deletes, the next pass's delay). */
    Expiry expiry() { return expiry; }

    ClusterFigures figures() { return figures; }

    // ---- for operators' tools (Tomcat's manager webapp): never on a request's path ----

    /**
     * The application's sessions on all nodes, at most 1,000 (those with the latest expiry): records
     * with metadata only (no attributes), for a listing; {@link #peek} reads one whole. One
     * {@code ZREVRANGE} per index shard plus one pipelined {@code HMGET} per session.
     */
    public java.util.List<SessionRecord> recentSessions() { return listing.recent(); }

    /**
     * Expires a session now, on any node's behalf: claimed as a sign-out is (so it fires once
     * cluster-wide; a session another node is already expiring is left to it), then handed to the
     * {@link #startExpiry} handler on the calling thread.
     *
     * @return true when this call expired it
     */
    public boolean expireNow(String id) { return index.revoke(null, id, true); }

    private volatile SessionIdLookups cookieLookups;

    /**
     * Names the container's method that resolves a request's session cookies, loading the session
     * of each in turn ({@link SessionIdLookups}): from then on {@link #cookieLookupAllowed} bounds
     * those loads per request.
     */
    public void cookieResolver(String resolverClass, String resolverMethod) {
        cookieLookups = new SessionIdLookups(resolverClass, resolverMethod);
    }

    /** False past the lookups a request's cookie resolution may make: the adapter answers "no session" then. */
    public boolean cookieLookupAllowed() {
        SessionIdLookups l = cookieLookups;
        return l == null || l.allowed();
    }

    /** The request's cookie resolution is over (the adapter's per-request code runs). */
    public void cookiesResolved() {
        SessionIdLookups l = cookieLookups;
        if (l != null) {
            l.resolved();
        }
    }

    /** See {@link RedisCalls#waitedTooLong}. */
    LanyardException.RedisUnavailableException waitedTooLong(String id, String what, long waitedMillis) {
        return redis.waitedTooLong(id, what, waitedMillis);
    }

    @Override
    public void close() {
        reader.decodedValues().clear();
        figures.flushAtStop();
        LogRoute.close(settings);
        view.unregister();
        scheduler.shutdownNow();
        redis.close();
        // Wait for a probe or an expiry pass that is running (a Redis call ends within its timeouts),
        // so that a container checking the webapp's threads right after the stop (Tomcat) finds none.
        try {
            scheduler.awaitTermination(settings.callBudgetMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
