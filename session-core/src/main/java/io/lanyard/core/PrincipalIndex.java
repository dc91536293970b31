package io.lanyard.core;

import io.lanyard.api.SessionControl;
import io.lanyard.api.SessionInfo;
import redis.clients.jedis.params.ZAddParams;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The principal index (one sorted set per principal of the sessions signed in as it), the
 * per-principal limit, and signing sessions out: the {@link SessionControl} of one application.
 *
 * <p>Design notes. A principal's index key and its sessions' hashes are in different Cluster
 * slots, so no script spans them; the steps are ordered so that a node that stops between two of
 * them leaves nothing that lets a signed-out session be served and nothing that grows without bound.
 * <ul>
 * <li>Sign-in ({@link #signIn}, driven by {@link SessionWriter}): the session's hash exists first,
 *     without a principal; then it enters the index, where {@code principal_add.lua} enforces the
 *     limit atomically; then one save writes the {@code principal} field together with the
 *     attributes it is read from. So a session whose hash names P is in P's index, and a session
 *     signed out during its own sign-in finds its hash expired: its save writes nothing.</li>
 * <li>Sign-out of one session (its login removed, invalidation, expiry): the hash loses its
 *     principal (or is deleted) first, then the entry leaves the index. An entry left behind names a
 *     hash that is gone or names someone else: listings and sign-ins drop it, and the index key
 *     expires with its longest-lived session plus the grace period (the expiry scan extends it
 *     when a session outlives its indexed expiry).</li>
 * <li>Signing a session out ({@link #revoke}): it first gets an {@code r:<id>} entry in the expiry
 *     index, leased to this node; then {@code revoke.lua} marks its hash expired (long ago, so no
 *     node serves it, whatever its clock) and revoked; then this node runs the session's
 *     {@code sessionDestroyed} listeners through the expiry path, once cluster-wide. If this node
 *     stops first, the lease runs out and another node's scan does it.</li>
 * </ul>
 * Ordinary requests never touch the index: the principal field comes with the one load, and a
 * save looks at the principal only when an attribute it is read from changes.
 */
final class PrincipalIndex implements SessionControl {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());
    private static final LuaScript ADD = LuaScript.load("principal_add", LuaScript.Access.WRITE);
    private static final LuaScript KEEP = LuaScript.load("principal_ttl", LuaScript.Access.MAINTENANCE);
    private static final LuaScript REVOKE = LuaScript.load("revoke", LuaScript.Access.MAINTENANCE);
    private static final byte[][] FIELDS = {RedisLayout.utf8(RedisLayout.PRINCIPAL), RedisLayout.utf8(RedisLayout.CREATED),
            RedisLayout.utf8(RedisLayout.ACCESSED), RedisLayout.utf8(RedisLayout.EXPIRY), RedisLayout.utf8(RedisLayout.NODE)};

    private final RedisSessionStore store;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final byte[] graceMillis;

    PrincipalIndex(RedisSessionStore store, RedisCalls redis, RedisLayout layout, LanyardSettings settings, MetricsRecorder metrics) {
        this.store = store;
        this.redis = redis;
        this.layout = layout;
        this.settings = settings;
        this.metrics = metrics;
        this.graceMillis = RedisLayout.ascii(settings.getGracePeriodSeconds() * 1000L);
    }

    /** An indexed session as its hash says; {@code exists} false (and the rest empty) when the hash is gone. */
    private record Entry(String id, boolean exists, String principal, long created, long accessed, long expiry, String node) {
        /** Signed in as {@code name} and not expired at {@code now} (by this node's clock). */
        boolean liveFor(String name, long now) {
            return exists && name.equals(principal) && (expiry == 0 || expiry > now);
        }

        /** Certainly not a session of {@code name} any more: its hash is gone or names someone else. */
        boolean staleFor(String name) {
            return !exists || (principal != null && !name.equals(principal));
        }
    }

    // ---- kept up to date by the store's writes, deletes and expiry ----

    /**
     * Session {@code id}, whose hash exists and has no principal yet, enters {@code principal}'s
     * index. With {@code maxSessionsPerPrincipal}, the least recently used other sessions beyond
     * the limit leave it and are signed out.
     *
     * @param expiryTime the session's expiry (epoch ms, 0 = never): the index lives at least that long plus the grace period
     */
    void signIn(String principal, String id, long expiryTime) {
        long now = store.now();
        int limit = settings.getMaxSessionsPerPrincipal();
        List<byte[]> args = new ArrayList<>(List.of(RedisLayout.utf8(id), RedisLayout.ascii(now),
                RedisLayout.ascii(limit), RedisLayout.ascii(ttl(expiryTime, now))));
        if (limit > 0) {
            // The others' last access, so that the limit signs out the least recently used ones.
            for (Entry e : entries(principal, LISTED_MAX)) {
                if (!e.id().equals(id) && e.liveFor(principal, now)) {
                    args.add(RedisLayout.utf8(e.id()));
                    args.add(RedisLayout.ascii(e.accessed()));
                }
            }
        }
        List<?> victims = (List<?>) redis.eval(ADD, layout.principalKey(principal), args, id);
        for (Object victim : victims) {
            revoke(principal, RedisLayout.text((byte[]) victim), false);
        }
    }

    /** Session {@code id} no longer belongs to {@code principal} (its hash says so already, or is gone). */
    void removed(String principal, String id) {
        byte[] key = layout.principalKey(principal);
        redis.call(id, jedis -> {
            metrics.command();
            return jedis.zrem(key, RedisLayout.utf8(id));
        });
    }

    /** A session of {@code principal} now lives until {@code expiryTime}: the index must live as long (plus the grace period). */
    void keepUntil(String principal, long expiryTime) {
        long now = store.now();
        if (expiryTime > 0) {
            redis.eval(KEEP, layout.principalKey(principal), List.of(RedisLayout.ascii(ttl(expiryTime, now))), null);
        }
    }

    private long ttl(long expiryTime, long now) {
        return expiryTime <= 0 ? -1 : Math.max(0, expiryTime - now) + settings.getGracePeriodSeconds() * 1000L;
    }

    // ---- SessionControl: the application API, and the JMX operations ----

    @Override
    public List<SessionInfo> sessionsOf(String principal) {
        long now = store.now();
        return api(() -> entries(principal, LISTED_MAX).stream().filter(e -> e.liveFor(principal, now))
                .sorted(Comparator.comparingLong(Entry::accessed).reversed())
                .map(e -> new SessionInfo(e.id(), Instant.ofEpochMilli(e.created()), Instant.ofEpochMilli(e.accessed()), e.node()))
                .toList());
    }

    @Override
    public int signOutAll(String principal) {
        return api(() -> signOut(principal, null));
    }

    @Override
    public int signOutOthers(String principal, String keepSessionId) {
        String keep = SessionIds.stripRoute(keepSessionId);
        return api(() -> signOut(principal, keep));
    }

    private int signOut(String principal, String keep) {
        List<byte[]> done = new ArrayList<>();
        int signedOut = 0;
        for (Entry e : entries(principal, 0)) {
            if (!e.id().equals(keep)) {
                // Also a session whose principal is not written yet: a sign-in in progress.
                if (revoke(principal, e.id(), false)) {
                    signedOut++;
                }
                done.add(RedisLayout.utf8(e.id()));
            }
        }
        if (!done.isEmpty()) {
            byte[] key = layout.principalKey(principal);
            redis.call(null, jedis -> {
                metrics.command();
                return jedis.zrem(key, done.toArray(byte[][]::new));
            });
        }
        return signedOut;
    }

    /** The API's failures: an unchecked exception of the API's own (webapps do not see Lanyard's types). */
    private static <T> T api(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (LanyardException e) {
            throw new IllegalStateException("Lanyard: " + e.getMessage(), e);
        }
    }

    // ---- internals ----

    /**
     * Signs session {@code id} out (see the design notes). No Redis call does anything for a session
     * that is gone or belongs to someone else now.
     *
     * @param principal    the principal it must belong to, or {@code null}: whichever (an operator's expire)
     * @param handOverHere run its listeners on the calling thread, not on the store's scheduler
     * @return true when this call signed it out
     */
    boolean revoke(String principal, String id, boolean handOverHere) {
        if (!SessionIds.isValid(id)) {
            return false;
        }
        byte[] shard = layout.indexKey(id);
        byte[] member = RedisLayout.utf8(Expiry.REVOKED_MEMBER_PREFIX + id);
        long leasedAt = store.now();
        // First, and leased to this node: if it stops after the mark, another node's scan finds the
        // entry once the lease runs out. NX: an entry already there (a sign-out of this session by
        // another call) keeps its lease, and its owner hands the session over.
        boolean ours = redis.call(id, jedis -> {
            metrics.command();
            return jedis.zadd(shard, leasedAt + settings.getClaimLeaseSeconds() * 1000L, member, ZAddParams.zAddParams().nx());
        }) == 1;
        long result = (Long) redis.eval(REVOKE, layout.sessionKey(id), List.of(RedisLayout.utf8(principal == null ? "" : principal),
                RedisLayout.ascii(leasedAt), graceMillis, RedisLayout.ascii(RedisLayout.REVOKED_EXPIRY)), id);
        if (result != 1) {
            if (ours) {
                redis.call(id, jedis -> {
                    metrics.command();
                    return jedis.zrem(shard, member);
                });
            }
            return false;
        }
        if (ours && handOverHere) {
            store.expiry().expireRevokedNow(id, leasedAt);
        } else if (ours) {
            store.expiry().expireRevokedSoon(id, leasedAt);
        }
        return true;
    }

    /**
     * The most sessions of one user a listing or a sign-in reads (one {@code HMGET} each), the most
     * recently used: a page view or a sign-in costs at most that, however large the index grew. A
     * sign-out reads them all.
     */
    static final int LISTED_MAX = 1000;

    /**
     * The sessions in {@code principal}'s index as their hashes say, the {@code most} recently
     * used ({@code 0}: all); entries that are certainly stale are dropped.
     */
    private List<Entry> entries(String principal, int most) {
        byte[] key = layout.principalKey(principal);
        List<byte[]> ids = redis.call(null, jedis -> {
            metrics.command();
            return jedis.zrange(key, most == 0 ? 0 : -most, -1);
        });
        List<Entry> entries = new ArrayList<>();
        List<byte[]> stale = new ArrayList<>();
        for (byte[] raw : ids) {
            String id = RedisLayout.text(raw);
            Entry e = SessionIds.isValid(id) ? read(id) : new Entry(id, false, null, 0, 0, 0, null);
            if (e.staleFor(principal)) {
                stale.add(raw);
            } else {
                entries.add(e);
            }
        }
        if (!stale.isEmpty()) {
            redis.call(null, jedis -> {
                metrics.command();
                return jedis.zrem(key, stale.toArray(byte[][]::new));
            });
        }
        return entries;
    }

    private Entry read(String id) {
        byte[] key = layout.sessionKey(id);
        List<byte[]> v = redis.call(id, jedis -> {
            metrics.command();
            return jedis.hmget(key, FIELDS);
        });
        boolean exists = v.stream().anyMatch(java.util.Objects::nonNull);
        return new Entry(id, exists, v.get(0) == null ? null : RedisLayout.text(v.get(0)), number(v.get(1)), number(v.get(2)),
                v.get(3) == null ? 0 : number(v.get(3)), v.get(4) == null ? "" : RedisLayout.text(v.get(4)));
    }

    private static long number(byte[] value) {
        return value == null ? 0 : SessionReader.parseLongOr(value, 0);
    }
}
