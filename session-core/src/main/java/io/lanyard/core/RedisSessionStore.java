package io.lanyard.core;

import redis.clients.jedis.params.ZAddParams;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The container-neutral session store: one per webapp per node. Adapters translate container
 * calls to these few methods and nothing else.
 *
 * <p>Design notes.
 * <ul>
 * <li>Requests use sessions through {@link #enter}: an {@link ActiveSession} per session in use
 *     on this node gives concurrent requests one load and one record, bounded waits and their own
 *     saves (see there).</li>
 * <li>Cost per request: {@link #load} is one EVALSHA that reads the hash and refreshes access time,
 *     expiry and TTL; {@link #save} is one EVALSHA that writes only the changed attributes, or
 *     nothing at all when nothing changed. Shared keys (the expiry index) are written only when a
 *     session is created or its timeout changes, never per request: the index may hold an expiry
 *     that is too early, and the scavenger re-checks each due entry against the hash.</li>
 * <li>Every write is a single-key Lua script, so it is atomic and valid on Redis Cluster; the
 *     session id is in a hash tag.</li>
 * <li>Expiry ({@link Expiry}): nodes claim due index entries as leases; each expired session is
 *     handed to exactly one node's {@link ExpiredSessionHandler}, then deleted.</li>
 * <li>One scheduler thread pool per store runs the expiry passes and, while Redis is down, the
 *     breaker's probes ({@link RedisCalls}); request threads never probe.</li>
 * <li>Attributes are decoded with the webapp's class loader, given here explicitly, so background
 *     threads resolve webapp classes too.</li>
 * </ul>
 */
public final class RedisSessionStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private static final RedisCalls.Script LOAD = RedisCalls.Script.load("load");
    private static final RedisCalls.Script DELETE_EXPIRED = RedisCalls.Script.load("delete_expired");

    private final LanyardSettings settings;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final RedisLayout layout;
    private final ScheduledThreadPoolExecutor scheduler;
    private final RedisCalls redis;
    private final SessionWriter writer;
    private final Expiry expiry;
    private final byte[] graceMillis;
    private final byte[] node;
    private final ConcurrentHashMap<String, ActiveSession> active = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong lostSaves = new java.util.concurrent.atomic.AtomicLong();
    private final RateLimitedLog lostSaveWarnings = new RateLimitedLog(LOG, 60_000);
    private final StoreView view;
    private final Set<String> loggedFailures = ConcurrentHashMap.newKeySet();
    private final Set<String> loggedDrops = ConcurrentHashMap.newKeySet();

    private RedisSessionStore(LanyardSettings settings, ClassLoader classLoader, Clock clock) {
        if (settings.getApplication() == null) {
            throw new IllegalStateException("call LanyardSettings.validate(contextPath) before starting the store");
        }
        this.settings = settings;
        this.clock = clock;
        this.metrics = MetricsRecorder.create(settings.isMetricsEnabled());
        this.codec = new AttributeCodec(ClassAllowlist.parse(settings.getAllowedClasses()), classLoader, metrics);
        this.layout = new RedisLayout(settings.getKeyPrefix(), settings.getApplication(), settings.getExpiryShards());
        // Two threads: an expiry pass (listeners may be slow) never delays a probe, nor the other way round.
        this.scheduler = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "lanyard-" + settings.getApplication());
            t.setDaemon(true);
            t.setContextClassLoader(classLoader);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.redis = new RedisCalls(settings, metrics, scheduler, layout.probeKey());
        this.writer = new SessionWriter(this, redis, layout, settings, metrics, codec);
        this.expiry = new Expiry(this, redis, layout, settings, metrics, clock, scheduler);
        this.view = new StoreView(settings, metrics.view(), redis, lostSaves, active::size);
        this.graceMillis = ascii(settings.getGracePeriodSeconds() * 1000L);
        this.node = RedisLayout.utf8(settings.getNodeName());
    }

    /**
     * Starts a store for one webapp.
     *
     * @param settings    validated settings ({@link LanyardSettings#validate(String)})
     * @param classLoader the webapp's class loader: attribute classes are resolved with it
     */
    public static RedisSessionStore start(LanyardSettings settings, ClassLoader classLoader) {
        return start(settings, classLoader, Clock.systemUTC());
    }

    /** As {@link #start(LanyardSettings, ClassLoader)} with an explicit clock (tests move time instead of sleeping). */
    public static RedisSessionStore start(LanyardSettings settings, ClassLoader classLoader, Clock clock) {
        RedisSessionStore store = new RedisSessionStore(settings, classLoader, clock);
        LOG.log(System.Logger.Level.INFO, "Lanyard session store started: application=" + settings.getApplication()
                + ", redis=" + settings.maskedRedisUri() + ", node=" + settings.getNodeName()
                + ", allowedClasses=[" + settings.getAllowedClasses() + "]");
        return store;
    }

    /** Current time of the store's clock, epoch millis. */
    public long now() {
        return clock.millis();
    }

    /** The validated settings this store runs with. */
    public LanyardSettings settings() {
        return settings;
    }

    /** The store's counters and state: the one JMX view of both adapters. */
    public LanyardStoreMXBean metrics() {
        return view;
    }

    /**
     * For an adapter whose container keeps the sessions in use itself (Jetty's session cache):
     * how many there are, for {@link LanyardStoreMXBean#getSessionsInUse()}.
     */
    public void countSessionsInUse(java.util.function.IntSupplier sessionsInUse) {
        view.sessionsInUse(sessionsInUse);
    }

    /**
     * The one failure policy for a save that failed after the response was committed, so the
     * client cannot be told any more: counted ({@code LostSaves}) and logged, one WARNING per cause
     * and minute.
     */
    public void lostSave(RuntimeException failure) {
        lostSaves.incrementAndGet();
        String cause = failure.getClass().getSimpleName();
        lostSaveWarnings.warn(cause, "Lanyard: a session save failed after the response was committed; the"
                + " request's session changes are lost (" + cause + ": " + failure.getMessage() + ")");
    }

    /** True while the breaker considers Redis unreachable. */
    public boolean isRedisDown() {
        return redis.isDown();
    }

    /** The Redis key of a session (for operators, logs and tests). */
    public String sessionKey(String id) {
        return layout.sessionKeyText(id);
    }

    /** The longest a request waits for Redis: connect plus read timeout. */
    long callBudgetMillis() {
        return (long) settings.getConnectTimeoutMillis() + settings.getReadTimeoutMillis();
    }

    // ---- the request lifecycle ----

    /**
     * A request enters the session named by {@code cookieValue} (a route suffix after the first
     * dot is stripped): no Redis call. Concurrent requests of one session share the returned
     * entry; each must {@link ActiveSession#leave() leave} it once.
     *
     * @return the entry, or {@code null} when the value is not a valid session id
     */
    public ActiveSession enter(String cookieValue) {
        String id = storedId(cookieValue);
        if (id == null) {
            return null;
        }
        return active.compute(id, (k, current) ->
                current != null && current.join() ? current : new ActiveSession(this, k, current));
    }

    /** The entry of a session that requests on this node are using (not closing), or {@code null}. */
    public ActiveSession active(String cookieValue) {
        String id = storedId(cookieValue);
        ActiveSession a = id == null ? null : active.get(id);
        return a == null || a.isClosing() ? null : a;
    }

    /**
     * The id a session is stored under: the cookie value without a route suffix (Tomcat's
     * {@code .jvmRoute}, Jetty's {@code .workerName}); {@code null} unless it is a valid id
     * (charset, length), so nothing else ever becomes part of a Redis key.
     */
    public static String storedId(String cookieValue) {
        String id = SessionIds.stripRoute(cookieValue);
        return SessionIds.isValid(id) ? id : null;
    }

    /** How many sessions requests on this node are using. */
    public int activeCount() {
        return active.size();
    }

    void closed(ActiveSession a) {
        active.remove(a.id(), a);
    }

    void renamed(ActiveSession a, String oldId) {
        active.remove(oldId, a);
        active.put(a.id(), a);
    }

    /**
     * A new session in memory only; it reaches Redis with its first {@link #save}.
     *
     * @throws IllegalArgumentException when the id is not a valid session id
     */
    public SessionRecord create(String id, int maxInactiveSeconds) {
        if (!SessionIds.isValid(id)) {
            throw new IllegalArgumentException("invalid session id (length " + (id == null ? 0 : id.length()) + ")");
        }
        long now = now();
        return new SessionRecord(id, now, now, now, maxInactiveSeconds, SessionRecord.expiryFor(now, maxInactiveSeconds),
                0, settings.getNodeName(), true);
    }

    /**
     * Loads a session and refreshes its access time, expiry and TTL: one Redis command. The record
     * holds the times after this access; {@link SessionRecord#storedAccessedTime()} etc. as they
     * were stored before it.
     *
     * @return the session, or {@code null} when the id is invalid, or the session does not exist or has expired
     * @throws LanyardException.UnreadableSessionException when the stored metadata is unreadable
     * @throws LanyardException.RedisUnavailableException when Redis cannot be reached
     */
    public SessionRecord load(String id) {
        return load(id, false);
    }

    /**
     * As {@link #load(String)}; with {@code includeExpired} an expired session is returned too
     * (untouched, {@link SessionRecord#isExpiredAt} true) instead of {@code null}, still in one
     * command. Jetty's session manager loads expired sessions itself to run their listeners.
     */
    public SessionRecord load(String id, boolean includeExpired) {
        long start = System.nanoTime();
        if (!SessionIds.isValid(id)) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        long now = now();
        Object reply = redis.eval(LOAD, layout.sessionKey(id), List.of(ascii(now), graceMillis, node), id);
        if (reply == null) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        List<?> parts = (List<?>) reply;
        long status = (Long) parts.get(0);
        List<?> hash = (List<?>) parts.get(1);
        if (status == 3) {
            metrics.load(System.nanoTime() - start, 0, false);
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + ")", null);
        }
        if (status == 2 && !includeExpired) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        long[] bytes = new long[1];
        SessionRecord record = withCookieSet(decode(id, hash, bytes), hash);
        if (status == 1) {
            record.touched(now, settings.getNodeName()); // what load.lua wrote, after the hash it returned
        }
        metrics.load(System.nanoTime() - start, bytes[0], true);
        return record;
    }

    /**
     * Reads a session without touching it, also when it has expired (for expiry listeners and
     * Jetty's scavenger). One command.
     *
     * @return the session, or {@code null} when it does not exist
     */
    public SessionRecord peek(String id) {
        if (!SessionIds.isValid(id)) {
            return null;
        }
        byte[] key = layout.sessionKey(id);
        List<byte[]> flat = redis.call(id, jedis -> {
            metrics.command();
            Map<byte[], byte[]> m = jedis.hgetAll(key);
            List<byte[]> out = new ArrayList<>(m.size() * 2);
            m.forEach((k, v) -> {
                out.add(k);
                out.add(v);
            });
            return out;
        });
        if (flat.isEmpty()) {
            return null;
        }
        long[] bytes = new long[1];
        return withCookieSet(decode(id, flat, bytes), flat);
    }

    /** Jetty's optional cookie-set time, a metadata field {@link #decode} leaves alone. */
    private static SessionRecord withCookieSet(SessionRecord record, List<?> flat) {
        byte[] name = RedisLayout.utf8(RedisLayout.COOKIE_SET);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (java.util.Arrays.equals((byte[]) flat.get(i), name)) {
                record.cookieSetTime(parseLongOr((byte[]) flat.get(i + 1), 0));
            }
        }
        return record;
    }

    /** True when the session exists and has not expired. One command. */
    public boolean exists(String id) {
        if (!SessionIds.isValid(id)) {
            return false;
        }
        byte[] key = layout.sessionKey(id);
        byte[] expiry = redis.call(id, jedis -> {
            metrics.command();
            return jedis.hget(key, RedisLayout.utf8(RedisLayout.EXPIRY));
        });
        if (expiry == null) {
            return false;
        }
        long e = parseLong(id, RedisLayout.EXPIRY, expiry);
        return e <= 0 || e > now();
    }

    /**
     * Writes what changed since the record was loaded or last saved, atomically, in one command.
     * A new record is created; an existing one gets only its changed and removed attributes (and
     * metadata when its timeout changed). Nothing is sent when nothing changed. Saves of one
     * record are serialized; a save waits for another one of the same record at most the connect
     * + read timeout.
     *
     * @return {@link SaveResult#GONE} when another node invalidated the session or it expired: nothing was written
     * @throws LanyardException.SessionTooLargeException when the encoded session exceeds maxSessionBytes: nothing was written
     */
    public SaveResult save(SessionRecord record) {
        return writer.save(record);
    }

    /**
     * Deletes a session (invalidate). One command.
     *
     * @return true when it existed
     */
    public boolean delete(String id) {
        if (!SessionIds.isValid(id)) {
            return false;
        }
        byte[] key = layout.sessionKey(id);
        // The index entry is left behind on purpose: the scavenger drops entries whose hash is gone,
        // and a second write here would be a second command on a shared key.
        return redis.call(id, jedis -> {
            metrics.command();
            return jedis.del(key);
        }) > 0;
    }

    /**
     * Moves a session to a new id (session-fixation protection at login) without RENAME, which
     * would cross Cluster slots: the old hash is deleted first, so the old id is dead even if this
     * node stops half-way, then the whole record is written under the new id.
     *
     * @return false when the session no longer existed under its old id (nothing was written)
     */
    public boolean changeId(SessionRecord record, String newId) {
        return writer.changeId(record, newId);
    }

    // ---- expiry ----

    /**
     * Starts this node's expiry passes (every {@code scavengeIntervalSeconds}, jittered): each
     * expired session this node claims is handed to {@code handler} exactly once cluster-wide,
     * with its attributes readable, then deleted.
     */
    public void startExpiry(ExpiredSessionHandler handler) {
        expiry.start(handler);
    }

    /** One expiry pass now (as the scheduled ones); returns how many sessions were handed to {@code handler}. */
    public int scavenge(ExpiredSessionHandler handler) {
        return expiry.scavenge(handler);
    }

    /**
     * Deletes, without listeners, sessions that expired at or before {@code cutoff} (Jetty's
     * orphan sweep); returns how many.
     */
    public int dropExpired(long cutoff) {
        return expiry.dropBefore(cutoff);
    }

    long nextScavengeDelayMillis() {
        return expiry.nextDelayMillis();
    }

    /**
     * Claims every due entry of the expiry index without handing them over: the returned ids are
     * leased to this node for {@code claimLeaseSeconds} (tests and tools).
     */
    public List<String> claimExpired() {
        return expiry.claimAll();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        redis.close();
    }

    // ---- internals ----

    /** The expiry field of a stored session; -1 when there is no hash or no readable expiry. One command. */
    long storedExpiry(String id) {
        byte[] expiry = redis.call(id, jedis -> {
            metrics.command();
            return jedis.hget(layout.sessionKey(id), RedisLayout.utf8(RedisLayout.EXPIRY));
        });
        return expiry == null ? -1 : parseLongOr(expiry, -1);
    }

    void index(String id, long expiry, boolean onlyEarlier) {
        byte[] key = layout.indexKey(id);
        redis.call(id, jedis -> {
            metrics.command();
            return onlyEarlier ? jedis.zadd(key, expiry, RedisLayout.utf8(id), ZAddParams.zAddParams().lt())
                    : jedis.zadd(key, expiry, RedisLayout.utf8(id));
        });
    }

    private void removeFromIndex(String id) {
        removeFromIndex(layout.indexKey(id), RedisLayout.utf8(id));
    }

    void removeFromIndex(byte[] indexKey, byte[] member) {
        redis.call(null, jedis -> {
            metrics.command();
            return jedis.zrem(indexKey, member);
        });
    }

    /**
     * Deletes a claimed expired session and its index entry. The hash is deleted only if it is
     * still expired; a session that is live again (touched by a node whose clock is behind) keeps
     * its index entry, which the next claim re-checks and moves to the real expiry, so that
     * expiry still reaches a listener.
     */
    void deleteExpired(String id) {
        long deleted = (Long) redis.eval(DELETE_EXPIRED, layout.sessionKey(id), List.of(ascii(now())), id);
        if (deleted != 0) {
            removeFromIndex(id);
        }
    }

    void logFailures(String id, Map<String, String> failures) {
        for (Map.Entry<String, String> f : failures.entrySet()) {
            metrics.error();
            // One line per attribute name, not one per request.
            if (loggedFailures.add(f.getKey()) && loggedFailures.size() < 1000) {
                LOG.log(System.Logger.Level.ERROR, "Lanyard: attribute '" + f.getKey() + "' cannot be stored (the other attributes were saved; Redis keeps its previous value, if any): "
                        + f.getValue() + " [session " + SessionIds.abbreviate(id) + "]");
            }
        }
    }

    private SessionRecord decode(String id, List<?> flat, long[] bytes) {
        String created = null, lastAccessed = null, accessed = null, maxInactive = null, expiry = null, version = null, lastNode = null;
        List<Object[]> attrs = new ArrayList<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            byte[] field = (byte[]) flat.get(i);
            byte[] value = (byte[]) flat.get(i + 1);
            bytes[0] += field.length + value.length;
            String name = RedisLayout.text(field);
            if (name.startsWith(RedisLayout.ATTRIBUTE_PREFIX)) {
                attrs.add(new Object[]{name.substring(RedisLayout.ATTRIBUTE_PREFIX.length()), value});
                continue;
            }
            String text = RedisLayout.text(value);
            switch (name) {
                case RedisLayout.CREATED -> created = text;
                case RedisLayout.LAST_ACCESSED -> lastAccessed = text;
                case RedisLayout.ACCESSED -> accessed = text;
                case RedisLayout.MAX_INACTIVE -> maxInactive = text;
                case RedisLayout.EXPIRY -> expiry = text;
                case RedisLayout.VERSION -> version = text;
                case RedisLayout.NODE -> lastNode = text;
                default -> { } // a field from a newer Lanyard: ignore
            }
        }
        SessionRecord record;
        try {
            record = new SessionRecord(id, Long.parseLong(created), Long.parseLong(lastAccessed), Long.parseLong(accessed),
                    Integer.parseInt(maxInactive), Long.parseLong(expiry), Long.parseLong(version), lastNode, false);
        } catch (NumberFormatException e) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + "): " + e.getMessage(), e);
        }
        for (Object[] a : attrs) {
            record.putPending((String) a[0], (byte[]) a[1]);
        }
        record.decoder((name, value) -> decodeAttribute(record.id(), name, value));
        return record;
    }

    /** Decodes one attribute on first access; on failure logs once per attribute and reason and returns null. */
    private Object decodeAttribute(String id, String name, byte[] value) {
        try {
            return codec.decode(value);
        } catch (AttributeCodec.DecodeException e) {
            metrics.attributeDropped();
            // One line per attribute and reason, not one per request that reads the session.
            String reason = e.getMessage() == null ? "" : e.getMessage().substring(0, Math.min(80, e.getMessage().length()));
            if (loggedDrops.add(name + '\u0000' + reason) && loggedDrops.size() < 1000) {
                LOG.log(System.Logger.Level.WARNING, "Lanyard: dropped attribute '" + LanyardException.printable(name)
                        + "' of session " + SessionIds.abbreviate(id) + " (it stays in Redis untouched): "
                        + LanyardException.printable(e.getMessage()));
            }
            return null;
        }
    }

    private static long parseLong(String id, String field, byte[] value) {
        try {
            return Long.parseLong(RedisLayout.text(value));
        } catch (NumberFormatException e) {
            throw new LanyardException.UnreadableSessionException(id, "field '" + field + "' is not a number", e);
        }
    }

    private static long parseLongOr(byte[] value, long fallback) {
        try {
            return Long.parseLong(RedisLayout.text(value));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
