package io.lanyard.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one expiry path of both adapters: finds expired sessions in the shared index, claims them
 * as leases and hands each to the adapter's callback (which fires the container's
 * {@code sessionDestroyed} listeners) exactly once cluster-wide, then deletes it.
 *
 * <p>Design notes.
 * <ul>
 * <li>A claim ({@code claim.lua}) re-scores due index entries to claim time + lease, so no other
 *     node sees them until the lease runs out; a node that dies mid-way leaves them to be claimed
 *     again, so no event is lost.</li>
 * <li>Half-lease rule: a claimed session is handed to the handler only while less than half of
 *     {@code claimLeaseSeconds} has passed since its claim, by the store's clock. A node that
 *     stalled (GC pause, frozen VM) leaves the rest of its batch alone: its leases run out and
 *     another node, or itself later, claims them again, instead of two nodes firing one event.</li>
 * <li>Scheduling is here too: one pass per {@code scavengeIntervalSeconds} with up to 25% jitter,
 *     on the store's scheduler; one pass at a time per store.</li>
 * <li>A failing pass logs one WARNING per cause until a pass succeeds again (then one INFO), not
 *     one per run; an unreachable Redis is the breaker's to log ({@link RedisCalls}).</li>
 * </ul>
 */
final class Expiry {
    private static final System.Logger LOG = System.getLogger(Expiry.class.getName());

    private static final LuaScript CLAIM = LuaScript.load("claim", LuaScript.Access.MAINTENANCE);
    private static final LuaScript DELETE_EXPIRED = LuaScript.load("delete_expired", LuaScript.Access.MAINTENANCE);

    private final RedisSessionStore store;
    private final SessionWriter writer;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock passLock = new ReentrantLock();
    private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();
    private volatile Consumer<SessionRecord> handler;

    Expiry(RedisSessionStore store, SessionWriter writer, RedisCalls redis, RedisLayout layout, LanyardSettings settings, MetricsRecorder metrics,
           Clock clock, ScheduledExecutorService scheduler) {
        this.store = store;
        this.writer = writer;
        this.redis = redis;
        this.layout = layout;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Starts the scheduled passes; each expired session this node claims goes to {@code handler}. */
    void start(Consumer<SessionRecord> handler) {
        this.handler = handler;
        schedule();
    }

    private void schedule() {
        try {
            scheduler.schedule(this::scheduledPass, nextDelayMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the store is closing
        }
    }

    private void scheduledPass() {
        try {
            scavenge(handler);
        } catch (RuntimeException e) {
            // Counted once per pass; logged by scavenge.
        } finally {
            schedule();
        }
    }

    /**
     * The configured interval with up to 25% random jitter, so nodes started together do not scan
     * in lock-step.
     */
    long nextDelayMillis() {
        long base = settings.getScavengeIntervalSeconds() * 1000L;
        return base - (long) (ThreadLocalRandom.current().nextDouble() * base / 4);
    }

    /**
     * One pass now: claims shard by shard, and hands each claimed session to {@code handler} while
     * the half-lease rule allows. Returns how many were handed over; 0 when another pass runs.
     */
    int scavenge(Consumer<SessionRecord> handler) {
        if (!passLock.tryLock()) {
            return 0;
        }
        try {
            int handled = 0;
            long halfLease = settings.getClaimLeaseSeconds() * 500L;
            for (int shard = 0; shard < layout.shards(); shard++) {
                long claimedAt = clock.millis();
                for (String id : claimShard(shard, claimedAt)) {
                    if (clock.millis() - claimedAt >= halfLease) {
                        break; // left to its lease: claimed again later, by any node
                    }
                    if (expireOne(id, handler)) {
                        handled++;
                    }
                }
            }
            if (!loggedCauses.isEmpty()) {
                loggedCauses.clear();
                LOG.log(System.Logger.Level.INFO, "Lanyard: expiry scan of " + settings.getApplication() + " works again");
            }
            return handled;
        } catch (LanyardException.RedisUnavailableException e) {
            throw e; // the breaker logs the outage, once
        } catch (RuntimeException e) {
            String cause = e.getClass().getSimpleName();
            if (loggedCauses.add(cause)) {
                LOG.log(System.Logger.Level.WARNING, "Lanyard: expiry scan of " + settings.getApplication() + " failed ("
                        + cause + ": " + e.getMessage() + "); retried every scavengeIntervalSeconds, not logged again until it works");
            }
            throw e;
        } finally {
            passLock.unlock();
        }
    }

    /** Claims every due entry now (all shards) without handing them over; returns the ids. */
    List<String> claimAll() {
        long now = clock.millis();
        List<String> expired = new ArrayList<>();
        for (int shard = 0; shard < layout.shards(); shard++) {
            expired.addAll(claimShard(shard, now));
        }
        return expired;
    }

    /**
     * Deletes, without handing them over, sessions that expired at or before {@code cutoff}
     * (claimed first, so no other node is handing them over meanwhile). Returns how many.
     */
    int dropBefore(long cutoff) {
        int dropped = 0;
        for (int shard = 0; shard < layout.shards(); shard++) {
            for (String id : claimShard(shard, cutoff)) {
                deleteExpired(id);
                dropped++;
            }
        }
        return dropped;
    }

    /**
     * Claims due entries of one shard and re-checks each against its hash: sessions touched since
     * are re-indexed at their real expiry, vanished ones are dropped from the index. Returns the
     * ids that are really expired and now leased to this node.
     */
    private List<String> claimShard(int shard, long now) {
        List<String> expired = new ArrayList<>();
        byte[] indexKey = layout.indexKeyOfShard(shard);
        Object reply = redis.eval(CLAIM, indexKey, List.of(RedisSessionStore.ascii(now),
                RedisSessionStore.ascii(settings.getClaimLeaseSeconds() * 1000L),
                RedisSessionStore.ascii(settings.getScavengeBatchSize())), null);
        for (Object o : (List<?>) reply) {
            byte[] member = (byte[]) o;
            String id = RedisLayout.text(member);
            if (!SessionIds.isValid(id)) {
                writer.removeFromIndex(indexKey, member);
                continue;
            }
            long e = storedExpiry(id);
            if (e < 0 || e == 0) {
                writer.removeFromIndex(indexKey, member); // invalidated, gone after its TTL, or never expires
            } else if (e > now) {
                writer.index(id, e, false);                // touched since it was indexed: check again then
            } else {
                expired.add(id);
            }
        }
        return expired;
    }

    private boolean expireOne(String id, Consumer<SessionRecord> handler) {
        SessionRecord record;
        try {
            record = store.peek(id);
        } catch (LanyardException.UnreadableSessionException e) {
            LOG.log(System.Logger.Level.WARNING, "Lanyard: expired session " + SessionIds.abbreviate(id)
                    + " is unreadable; deleting it without running listeners: " + e.getMessage());
            record = null;
        }
        if (record != null) {
            try {
                handler.accept(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Lanyard: expiry listener failed for session "
                        + SessionIds.abbreviate(id) + "; the session is deleted all the same", e);
            }
            metrics.expiryProcessed();
        }
        deleteExpired(id);
        return record != null;
    }

    /** The expiry field of a stored session; -1 when there is no hash or no readable expiry. One command. */
    private long storedExpiry(String id) {
        byte[] expiry = redis.call(id, jedis -> {
            metrics.command();
            return jedis.hget(layout.sessionKey(id), RedisLayout.utf8(RedisLayout.EXPIRY));
        });
        return expiry == null ? -1 : SessionReader.parseLongOr(expiry, -1);
    }

    /**
     * Deletes a claimed expired session and its index entry. The hash is deleted only if it is
     * still expired; a session that is live again (touched by a node whose clock is behind) keeps
     * its index entry, which the next claim re-checks and moves to the real expiry, so that
     * expiry still reaches a listener.
     */
    void deleteExpired(String id) {
        long deleted = (Long) redis.eval(DELETE_EXPIRED, layout.sessionKey(id), List.of(RedisSessionStore.ascii(clock.millis())), id);
        if (deleted != 0) {
            writer.removeFromIndex(layout.indexKey(id), RedisLayout.utf8(id));
        }
    }
}
