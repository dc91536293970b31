package io.lanyard.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The application's session figures across all nodes, as Tomcat's Manager reports them for one
 * node: sessions active, created, expired, rejected, the most active at once, the longest and
 * average alive time.
 *
 * <p>Design notes.
 * <ul>
 * <li>No request pays for them. Request threads only add to in-memory counters; each node adds
 *     its counts to one hash per application ({@code <prefix>:<application>:stats}, one key: valid
 *     on Cluster and under the key prefix) with one script ({@code stats.lua}: HINCRBY, max) on
 *     the store's scheduler after every expiry pass, at stop, and when a figure is read and the
 *     last refresh is older than {@link #MAX_AGE_MILLIS}. The hash lives 29 to 30 days after the
 *     last refresh of any node ({@link #STATS_TTL_SECONDS}).</li>
 * <li>Active sessions are the entries of the expiry index ({@code ZCARD} of each shard, summed):
 *     sessions that never expire (maxInactive &lt;= 0) are not in the index and not counted; an
 *     expired session counts until a node's expiry pass has run its listeners. An invalidated
 *     session leaves the index at the next refresh of the node that invalidated it
 *     ({@code unindex.lua}, one command per shard, batched off the request path).</li>
 * <li>A refresh that fails (Redis down) keeps the counts for the next one; the figures read stay
 *     as last refreshed.</li>
 * </ul>
 */
final class ClusterFigures {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());
    private static final LuaScript STATS = LuaScript.load("stats", LuaScript.Access.MAINTENANCE);
    private static final LuaScript UNINDEX = LuaScript.load("unindex", LuaScript.Access.MAINTENANCE);
    /** A figure read later than this after the last refresh refreshes first. */
    static final long MAX_AGE_MILLIS = 5_000;
    private static final int UNINDEX_BATCH = 500;
    /** The stats hash's TTL, renewed by the refreshes ({@code stats.lua}): the figures start again from zero after 30 days with no node. */
    static final long STATS_TTL_SECONDS = 30L * 24 * 3600;

    /** The figures as last read from Redis; {@code at} is when (store clock, ms). */
    record Snapshot(long at, long active, long created, long expired, long rejected, long ended, long aliveSeconds,
                    long maxAliveSeconds, long maxActive) {
        static final Snapshot NONE = new Snapshot(Long.MIN_VALUE / 2, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private record Deleted(String id, long expiry) {
    }

    private final RedisCalls redis;
    private final RedisLayout layout;
    private final MetricsRecorder metrics;
    private final Clock clock;
    private final LongAdder created = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private final LongAdder aliveSeconds = new LongAdder();
    private final LongAccumulator maxAliveSeconds = new LongAccumulator(Math::max, 0);
    private final ConcurrentLinkedQueue<Deleted> deleted = new ConcurrentLinkedQueue<>();
    /**
     * New records already counted as rejected. By identity (SessionRecord keeps Object's equals),
     * weakly: a lost session's record goes when its request lets go of it.
     */
    private final Set<SessionRecord> rejectedRecords = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private volatile Snapshot snapshot = Snapshot.NONE;

    ClusterFigures(RedisCalls redis, RedisLayout layout, MetricsRecorder metrics, Clock clock) {
        this.redis = redis;
        this.layout = layout;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A new session was stored for the first time. */
    void created() {
        created.increment();
    }

    /**
     * A save of a new session failed (Redis unreachable or full, session too large): the session
     * is lost. Counted once per record, however often the container tries to store it (Jetty
     * stores at response commit and again at release).
     */
    void rejected(SessionRecord record) {
        if (rejectedRecords.add(record)) {
            rejected.increment();
        }
    }

    /**
     * A session ended on this node: its expiry was handed to this node's listeners
     * ({@code expired}), or it was invalidated here.
     */
    void ended(long creationTime, boolean expired) {
        if (expired) {
            this.expired.increment();
        }
        long alive = Math.max(0, clock.millis() - creationTime) / 1000;
        ended.increment();
        aliveSeconds.add(alive);
        maxAliveSeconds.accumulate(alive);
    }

    /** A session with an index entry was deleted: its entry goes at the next refresh (if scored at or before {@code expiry}). */
    void deleted(String id, long expiry) {
        deleted.add(new Deleted(id, expiry));
    }

    /** The figures, refreshed first when older than {@link #MAX_AGE_MILLIS} (a failed refresh keeps the last ones). */
    Snapshot current() {
        Snapshot s = snapshot;
        if (clock.millis() - s.at() < MAX_AGE_MILLIS) {
            return s;
        }
        synchronized (this) {
            if (clock.millis() - snapshot.at() >= MAX_AGE_MILLIS) {
                refreshQuietly();
            }
            return snapshot;
        }
    }

    /** At stop: adds this node's last counts, if it has any (a store that never got going sends nothing). */
    void flushAtStop() {
        if (created.sum() + expired.sum() + rejected.sum() + ended.sum() > 0 || !deleted.isEmpty()) {
            refreshQuietly();
        }
    }

    /** {@link #refresh()}, a failure logged at DEBUG only (the breaker logs outages; the counts wait for the next one). */
    synchronized void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Lanyard: cluster figures not refreshed: " + e);
        }
    }

    /**
     * Drops deleted sessions' index entries, counts the index, adds this node's counts to the
     * stats hash and reads it back: one {@code EVALSHA} per shard with deletions, one {@code ZCARD}
     * per shard, one {@code EVALSHA}.
     */
    synchronized Snapshot refresh() {
        unindexDeleted();
        long active = 0;
        for (int shard = 0; shard < layout.shards(); shard++) {
            byte[] key = layout.indexKeyOfShard(shard);
            active += redis.call(null, jedis -> {
                metrics.command();
                return jedis.zcard(key);
            });
        }
        long[] counts = {created.sumThenReset(), expired.sumThenReset(), rejected.sumThenReset(), ended.sumThenReset(),
                aliveSeconds.sumThenReset(), maxAliveSeconds.getThenReset()};
        List<byte[]> args = new ArrayList<>();
        for (long c : counts) {
            args.add(RedisLayout.ascii(c));
        }
        args.add(RedisLayout.ascii(active));
        args.add(RedisLayout.ascii(STATS_TTL_SECONDS));
        List<?> reply;
        try {
            reply = (List<?>) redis.eval(STATS, layout.statsKey(), args, null);
        } catch (RuntimeException e) {
            created.add(counts[0]);
            expired.add(counts[1]);
            rejected.add(counts[2]);
            ended.add(counts[3]);
            aliveSeconds.add(counts[4]);
            maxAliveSeconds.accumulate(counts[5]);
            throw e;
        }
        long[] v = new long[reply.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = reply.get(i) == null ? 0 : SessionReader.parseLongOr((byte[]) reply.get(i), 0);
        }
        Snapshot s = new Snapshot(clock.millis(), active, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        snapshot = s;
        return s;
    }

    /** One {@code unindex.lua} call per shard and at most {@value #UNINDEX_BATCH} entries, so no call blocks Redis for long. */
    private void unindexDeleted() {
        Map<Integer, List<Deleted>> byShard = new HashMap<>();
        for (Deleted d; (d = deleted.poll()) != null; ) {
            byShard.computeIfAbsent(layout.shardOf(d.id()), k -> new ArrayList<>()).add(d);
        }
        List<List<Deleted>> batches = new ArrayList<>();
        for (List<Deleted> shard : byShard.values()) {
            for (int i = 0; i < shard.size(); i += UNINDEX_BATCH) {
                batches.add(shard.subList(i, Math.min(shard.size(), i + UNINDEX_BATCH)));
            }
        }
        for (int i = 0; i < batches.size(); i++) {
            List<byte[]> args = new ArrayList<>();
            for (Deleted d : batches.get(i)) {
                args.add(RedisLayout.utf8(d.id()));
                args.add(RedisLayout.ascii(d.expiry()));
            }
            try {
                redis.eval(UNINDEX, layout.indexKey(batches.get(i).get(0).id()), args, null);
            } catch (RuntimeException e) {
                batches.subList(i, batches.size()).forEach(deleted::addAll); // the next refresh tries again
                throw e;
            }
        }
    }
}
