package io.lanyard.core;

import redis.clients.jedis.params.ZAddParams;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The container-neutral session store: one per webapp per node. Adapters translate container
 * calls to these few methods and nothing else.
 *
 * <p>Design notes.
 * <ul>
 * <li>Cost per request: {@link #load} is one EVALSHA that reads the hash and refreshes access time,
 *     expiry and TTL; {@link #save} is one EVALSHA that writes only the changed attributes, or
 *     nothing at all when nothing changed. Shared keys (the expiry index) are written only when a
 *     session is created or its timeout changes, never per request: the index may hold an expiry
 *     that is too early, and the scavenger re-checks each due entry against the hash.</li>
 * <li>Every write is a single-key Lua script, so it is atomic and valid on Redis Cluster; the
 *     session id is in a hash tag.</li>
 * <li>Expiry: nodes claim due index entries as leases ({@code claim.lua}); each expired session
 *     is handed to exactly one node's {@link ExpiredSessionHandler}, then deleted. A node that
 *     dies mid-way leaves its lease to run out and another node retries.</li>
 * <li>Attributes are decoded with the webapp's class loader, given here explicitly, so background
 *     threads resolve webapp classes too.</li>
 * </ul>
 */
public final class RedisSessionStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private static final RedisCalls.Script LOAD = RedisCalls.Script.load("load");
    private static final RedisCalls.Script SAVE = RedisCalls.Script.load("save");
    private static final RedisCalls.Script CLAIM = RedisCalls.Script.load("claim");
    private static final RedisCalls.Script DELETE_EXPIRED = RedisCalls.Script.load("delete_expired");
    private static final byte[] EMPTY = new byte[0];

    private final LanyardSettings settings;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final RedisLayout layout;
    private final RedisCalls redis;
    private final byte[] graceMillis;
    private final byte[] node;
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
        this.redis = new RedisCalls(settings, metrics);
        this.graceMillis = ascii(settings.getGracePeriodSeconds() * 1000L);
        this.node = RedisLayout.utf8(settings.getNodeName());
    }

    /**
     * Starts a store for one webapp. Sends one command to check the connection: refused
     * credentials or permissions fail the start (logged at ERROR with the fix); an unreachable
     * Redis is logged as one WARNING and the store starts anyway. Then logs every effective setting.
     *
     * @param settings    validated settings ({@link LanyardSettings#validate(String)})
     * @param classLoader the webapp's class loader: attribute classes are resolved with it
     * @throws LanyardException.ConfigurationException when Redis refuses Lanyard's password, ACL user or key prefix
     */
    public static RedisSessionStore start(LanyardSettings settings, ClassLoader classLoader) {
        return start(settings, classLoader, Clock.systemUTC());
    }

    /** As {@link #start(LanyardSettings, ClassLoader)} with an explicit clock (tests move time instead of sleeping). */
    public static RedisSessionStore start(LanyardSettings settings, ClassLoader classLoader, Clock clock) {
        RedisSessionStore store = new RedisSessionStore(settings, classLoader, clock);
        try {
            store.redis.checkAtStart(store.layout.sessionKey("lanyard-start-check"));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        // Every effective setting (passwords masked), so the log alone tells how a node was configured.
        LOG.log(System.Logger.Level.INFO, "Lanyard session store started: " + LanyardSettings.SETTINGS.stream()
                .map(s -> s.name() + "=" + settings.get(s.name())).collect(Collectors.joining(", ")));
        return store;
    }

    /** Current time of the store's clock, epoch millis. */
    public long now() {
        return clock.millis();
    }

    public LanyardSettings settings() {
        return settings;
    }

    public StoreMetrics metrics() {
        return metrics.view();
    }

    /** True while the breaker considers Redis unreachable. */
    public boolean isRedisDown() {
        return redis.isDown();
    }

    /** The Redis key of a session (for operators, logs and tests). */
    public String sessionKey(String id) {
        return layout.sessionKeyText(id);
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
     * Loads a session and refreshes its access time, expiry and TTL: one Redis command.
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
        SessionRecord record = decode(id, hash, bytes);
        if (status == 1 && parts.size() > 2 && parts.get(2) instanceof byte[] previous) {
            record.previousLastAccessedTime(parseLongOr(previous, record.lastAccessedTime()));
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
        return decode(id, flat, bytes);
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
     * metadata when its timeout changed). Nothing is sent when nothing changed.
     *
     * @return {@link SaveResult#GONE} when another node invalidated the session or it expired: nothing was written
     * @throws LanyardException.SessionTooLargeException when the encoded session exceeds maxSessionBytes: nothing was written
     */
    public SaveResult save(SessionRecord record) {
        long start = System.nanoTime();
        String id = record.id();
        SessionRecord.Delta delta = record.delta(codec);
        logFailures(id, delta.failures());
        if (!record.isNew() && delta.isEmpty()) {
            return SaveResult.UNCHANGED;
        }
        checkSize(id, delta.totalBytes());
        boolean timeoutChanged = !record.isNew() && delta.metadataChanged();
        if ((record.isNew() || timeoutChanged) && record.expiryTime() > 0) {
            // Index first: an index entry without a hash is harmless (the scavenger drops it), a
            // hash without an index entry would expire without its sessionDestroyed event. A
            // changed timeout may bring the expiry earlier than the indexed one (or start one); it
            // only ever moves the entry earlier (ZADD LT), since a claim re-checks a due entry
            // against the hash anyway, and a later entry would be wrong if this save then failed.
            index(id, record.expiryTime(), timeoutChanged);
        }
        long now = now();
        List<byte[]> args = new ArrayList<>();
        args.add(ascii(now));
        args.add(graceMillis);
        args.add(RedisLayout.utf8(record.isNew() ? "create" : "update"));
        args.add(node);
        args.add(record.isNew() || !delta.metadataChanged() ? EMPTY : ascii(record.maxInactiveSeconds()));
        List<byte[]> pairs = new ArrayList<>();
        if (record.isNew()) {
            addMetadata(pairs, record);
        }
        delta.changed().forEach((name, bytes) -> {
            pairs.add(RedisLayout.attributeField(name));
            pairs.add(bytes);
        });
        args.add(ascii(pairs.size() / 2));
        args.addAll(pairs);
        for (String name : delta.removed()) {
            args.add(RedisLayout.attributeField(name));
        }
        long result = (Long) redis.eval(SAVE, layout.sessionKey(id), args, id);
        if (result == 0) {
            return SaveResult.GONE;
        }
        if (result == -1) {
            throw new LanyardException.SessionIdCollisionException(id);
        }
        if (result == -2) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable", null);
        }
        record.committed(delta, result);
        metrics.save(System.nanoTime() - start, delta.bytesWritten());
        return SaveResult.SAVED;
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
        if (!SessionIds.isValid(newId)) {
            throw new IllegalArgumentException("invalid new session id");
        }
        String oldId = record.id();
        SessionRecord.FullCopy copy = record.allEncoded(codec);
        checkSize(oldId, copy.totalBytes());
        if (!record.isNew() && !delete(oldId)) {
            return false;
        }
        record.id(newId);
        long now = now();
        List<byte[]> pairs = new ArrayList<>();
        addMetadata(pairs, record);
        copy.bytes().forEach((name, bytes) -> {
            pairs.add(RedisLayout.attributeField(name));
            pairs.add(bytes);
        });
        List<byte[]> args = new ArrayList<>(List.of(ascii(now), graceMillis, RedisLayout.utf8("create"), node, EMPTY,
                ascii(pairs.size() / 2)));
        args.addAll(pairs);
        if (record.expiryTime() > 0) {
            index(newId, record.expiryTime()); // before the hash, as in save
        }
        long result = (Long) redis.eval(SAVE, layout.sessionKey(newId), args, newId);
        if (result == -1) {
            throw new LanyardException.SessionIdCollisionException(newId);
        }
        record.committedAll(copy, result);
        return true;
    }

    /**
     * Claims due entries of the expiry index, shard by shard, and re-checks each against its hash:
     * sessions touched since are re-indexed at their real expiry, vanished ones are dropped from
     * the index. Returns the ids that are really expired and now leased to this node for
     * {@code claimLeaseSeconds}.
     */
    public List<String> claimExpired() {
        long now = now();
        List<String> expired = new ArrayList<>();
        for (int shard = 0; shard < layout.shards(); shard++) {
            expired.addAll(claimShard(shard, now));
        }
        return expired;
    }

    private List<String> claimShard(int shard, long now) {
        List<String> expired = new ArrayList<>();
        byte[] indexKey = layout.indexKeyOfShard(shard);
        Object reply = redis.eval(CLAIM, indexKey,
                List.of(ascii(now), ascii(settings.getClaimLeaseSeconds() * 1000L), ascii(settings.getScavengeBatchSize())), null);
        for (Object o : (List<?>) reply) {
            byte[] member = (byte[]) o;
            String id = RedisLayout.text(member);
            if (!SessionIds.isValid(id)) {
                removeFromIndex(indexKey, member);
                continue;
            }
            byte[] expiry = redis.call(id, jedis -> {
                metrics.command();
                return jedis.hget(layout.sessionKey(id), RedisLayout.utf8(RedisLayout.EXPIRY));
            });
            long e = expiry == null ? -1 : parseLongOr(expiry, -1);
            if (expiry == null || e == 0) {
                removeFromIndex(indexKey, member); // invalidated, gone after its TTL, or never expires
            } else if (e > now) {
                index(id, e);                      // touched since it was indexed: check again then
            } else {
                expired.add(id);
            }
        }
        return expired;
    }

    /**
     * Deletes a claimed expired session and its index entry. The hash is deleted only if it is
     * still expired; a session that is live again (touched by a node whose clock is behind) keeps
     * its index entry, which the next claim re-checks and moves to the real expiry, so that
     * expiry still reaches a listener.
     */
    public void deleteExpired(String id) {
        long deleted = (Long) redis.eval(DELETE_EXPIRED, layout.sessionKey(id), List.of(ascii(now())), id);
        if (deleted != 0) {
            removeFromIndex(id);
        }
    }

    /**
     * One scavenge pass: claims expired sessions shard by shard and hands each to {@code handler}
     * with its attributes readable, then deletes it. Returns how many were handled.
     *
     * <p>A shard's batch is processed right after it is claimed, and only while at most half of
     * the lease has passed: what is left is not touched, so its lease runs out and it is claimed
     * again later (by any node) instead of being handled twice.
     */
    public int scavenge(ExpiredSessionHandler handler) {
        int handled = 0;
        long leaseNanos = settings.getClaimLeaseSeconds() * 1_000_000_000L;
        for (int shard = 0; shard < layout.shards(); shard++) {
            long claimedAt = System.nanoTime();
            for (String id : claimShard(shard, now())) {
                if (System.nanoTime() - claimedAt > leaseNanos / 2) {
                    break;
                }
                if (expireOne(id, handler)) {
                    handled++;
                }
            }
        }
        return handled;
    }

    private boolean expireOne(String id, ExpiredSessionHandler handler) {
        SessionRecord record;
        try {
            record = peek(id);
        } catch (LanyardException.UnreadableSessionException e) {
            LOG.log(System.Logger.Level.WARNING, "Lanyard: expired session " + SessionIds.abbreviate(id)
                    + " is unreadable; deleting it without running listeners: " + e.getMessage());
            record = null;
        }
        if (record != null) {
            try {
                handler.expired(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Lanyard: expiry listener failed for session "
                        + SessionIds.abbreviate(id) + "; the session is deleted all the same", e);
            }
            metrics.expiryProcessed();
        }
        deleteExpired(id);
        return record != null;
    }

    /**
     * The delay before the next scavenge: the configured interval with up to 25% random jitter,
     * so nodes started together do not scan in lock-step.
     */
    public long nextScavengeDelayMillis() {
        long base = settings.getScavengeIntervalSeconds() * 1000L;
        return base - (long) (java.util.concurrent.ThreadLocalRandom.current().nextDouble() * base / 4);
    }

    @Override
    public void close() {
        redis.close();
    }

    // ---- internals ----

    private void index(String id, long expiry) {
        index(id, expiry, false);
    }

    private void index(String id, long expiry, boolean onlyEarlier) {
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

    private void removeFromIndex(byte[] indexKey, byte[] member) {
        redis.call(null, jedis -> {
            metrics.command();
            return jedis.zrem(indexKey, member);
        });
    }

    private void addMetadata(List<byte[]> pairs, SessionRecord r) {
        pair(pairs, RedisLayout.CREATED, ascii(r.creationTime()));
        pair(pairs, RedisLayout.LAST_ACCESSED, ascii(r.lastAccessedTime()));
        pair(pairs, RedisLayout.ACCESSED, ascii(r.accessedTime()));
        pair(pairs, RedisLayout.MAX_INACTIVE, ascii(r.maxInactiveSeconds()));
        pair(pairs, RedisLayout.EXPIRY, ascii(r.expiryTime()));
        pair(pairs, RedisLayout.VERSION, ascii(0));
        pair(pairs, RedisLayout.NODE, node);
    }

    private static void pair(List<byte[]> pairs, String field, byte[] value) {
        pairs.add(RedisLayout.utf8(field));
        pairs.add(value);
    }

    private void checkSize(String id, long total) {
        if (total > settings.getMaxSessionBytes()) {
            metrics.oversizedRefused();
            String msg = "session is " + total + " bytes encoded, over maxSessionBytes=" + settings.getMaxSessionBytes()
                    + "; the save was refused and nothing was written";
            LOG.log(System.Logger.Level.WARNING, "Lanyard: " + msg + " [session " + SessionIds.abbreviate(id) + "]");
            throw new LanyardException.SessionTooLargeException(id, msg);
        }
    }

    private void logFailures(String id, Map<String, String> failures) {
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

    private static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
