package io.lanyard.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

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
 * <li>A signed-out session ({@link PrincipalIndex}) has a second entry, {@code r:<id>}, and a
 *     {@code revoked} field in its hash. Its listeners run through that entry only: its plain
 *     entry, whose lease may be held by a node that re-checks it right then, is dropped instead. The
 *     node that signs a session out writes the {@code r:} entry already leased to itself, and hands
 *     the session over at once ({@link #expireRevokedSoon}); if it stops first, the lease runs out
 *     and a scan hands it over. So it fires once whichever node claims what.</li>
 * </ul>
 */
final class Expiry {
    private static final System.Logger LOG = System.getLogger(Expiry.class.getName());

    private static final LuaScript CLAIM = LuaScript.load("claim", LuaScript.Access.MAINTENANCE);
    private static final LuaScript DELETE_EXPIRED = LuaScript.load("delete_expired", LuaScript.Access.MAINTENANCE);
    /** The expiry-index member of a signed-out session is this prefix plus its id. */
    static final String REVOKED_MEMBER_PREFIX = "r:";

    private final RedisSessionStore store;
    private final SessionWriter writer;
    private final SessionReader reader;
    private final PrincipalIndex principals;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock passLock = new ReentrantLock();
    private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();
    /** Index entries dropped because Redis refused to read their session (not a hash): one line each. */
    private final LogOnce refusedEntries = new LogOnce();
    /** Expired sessions being handed to the handler right now. */
    private final Map<String, SessionRecord> handingOver = new ConcurrentHashMap<>();
    private volatile Consumer<SessionRecord> handler;

    Expiry(RedisSessionStore store, SessionWriter writer, SessionReader reader, PrincipalIndex principals, RedisCalls redis,
           RedisLayout layout, LanyardSettings settings, MetricsRecorder metrics, Clock clock, ScheduledExecutorService scheduler) {
        this.store = store;
        this.writer = writer;
        this.reader = reader;
        this.principals = principals;
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
            store.figures().refreshQuietly(); // this node's counts reach the cluster figures
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
     * the half-lease rule allows. Returns how many were handed over; 0 when another pass runs, or
     * when Redis is unavailable (the breaker logs the outage once; the next pass tries again).
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
            return 0;
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

    /** See {@link RedisSessionStore#gone}. */
    Set<String> gone(Set<String> ids, Predicate<String> heldHere, Consumer<SessionRecord> handler) {
        Set<String> gone = new HashSet<>();
        boolean expired = false;
        for (String id : ids) {
            SessionRecord r;
            try {
                r = reader.peek(id);
            } catch (LanyardException.UnreadableSessionException e) {
                r = null;
            }
            if (r == null && !heldHere.test(id)) {
                gone.add(id);
            }
            expired |= r != null && r.isExpiredAt(clock.millis());
        }
        if (expired) {
            scavenge(r -> {
                if (ids.contains(r.id())) {
                    gone.add(r.id());
                }
                handler.accept(r);
            });
        }
        return gone;
    }

    /** The expired session being handed to the adapter right now, or {@code null} (see {@link RedisSessionStore#load(String, boolean)}). */
    SessionRecord handingOver(String id) {
        return handingOver.get(id);
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

    /** As {@link #dropBefore}, for sessions also expired longer than {@code gracePeriodSeconds} ago ({@link RedisSessionStore#dropExpired}). */
    int dropExpired(long cutoff) {
        return dropBefore(Math.min(cutoff, clock.millis() - settings.getGracePeriodSeconds() * 1000L));
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
     * are re-indexed at their real expiry (and their principal's index kept as long), vanished ones
     * are dropped from the index. Returns the ids that are really expired and now leased to this node.
     */
    private List<String> claimShard(int shard, long now) {
        List<String> expired = new ArrayList<>();
        byte[] indexKey = layout.indexKeyOfShard(shard);
        Object reply = redis.eval(CLAIM, indexKey, List.of(RedisLayout.ascii(now),
                RedisLayout.ascii(settings.getClaimLeaseSeconds() * 1000L),
                RedisLayout.ascii(settings.getScavengeBatchSize())), null);
        for (Object o : (List<?>) reply) {
            byte[] member = (byte[]) o;
            String text = RedisLayout.text(member);
            boolean revokedEntry = text.startsWith(REVOKED_MEMBER_PREFIX);
            String id = revokedEntry ? text.substring(REVOKED_MEMBER_PREFIX.length()) : text;
            if (!SessionIds.isValid(id)) {
                writer.removeFromIndex(indexKey, member);
                continue;
            }
            try {
                if (recheck(id, member, revokedEntry, indexKey, now)) {
                    expired.add(id);
                }
            } catch (LanyardException.RedisUnavailableException e) {
                throw e;
            } catch (LanyardException e) {
                // Redis refused a command for this entry alone (its session key is not a hash, its
                // user's index not a sorted set): the entry goes, the rest of the pass goes on.
                writer.removeFromIndex(indexKey, member);
                if (refusedEntries.first(id)) {
                    LOG.log(System.Logger.Level.WARNING, "Lanyard: dropped the expiry index entry of session "
                            + SessionIds.abbreviate(id) + " of " + settings.getApplication() + ": " + e.getMessage());
                }
            }
        }
        return expired;
    }

    /** Re-checks one claimed entry against its hash (see {@link #claimShard}); true when the session is really expired. */
    private boolean recheck(String id, byte[] member, boolean revokedEntry, byte[] indexKey, long now) {
        List<byte[]> state = reader.storedState(id); // bounded: a crafted huge value stays in Redis
        long e = state.get(0) == null ? -1 : SessionReader.parseLongOr(state.get(0), -1);
        boolean revoked = state.get(2) != null;
        if (e <= 0 || revoked != revokedEntry) {
            // Invalidated, gone after its TTL, never expires; or a signed-out session's plain
            // entry (its r: entry fires it), or an r: entry whose sign-out did not happen.
            writer.removeFromIndex(indexKey, member);
            return false;
        }
        if (e > now) {
            writer.index(id, e, false);                // touched since it was indexed: check again then
            if (state.get(1) != null && state.get(1).length > 0) {
                principals.keepUntil(RedisLayout.text(state.get(1)), e);
            }
            return false;
        }
        return true;
    }

    /**
     * Hands a session this node just signed out to the handler, on the scheduler (the request
     * that signed it out does not wait for its listeners). Its {@code r:} entry was leased to this
     * node at {@code leasedAt}; the half-lease rule applies as to a scan's claims.
     */
    void expireRevokedSoon(String id, long leasedAt) {
        Consumer<SessionRecord> h = handler;
        if (h == null) {
            return; // no scheduled passes on this store: the next scan after the lease hands it over
        }
        try {
            scheduler.execute(() -> {
                if (clock.millis() - leasedAt >= settings.getClaimLeaseSeconds() * 500L) {
                    return; // left to its lease, as in scavenge
                }
                try {
                    expireOne(id, h);
                } catch (RuntimeException e) {
                    // Its r: entry stays: once the lease runs out, a scan hands it over.
                    LOG.log(System.Logger.Level.DEBUG, "Lanyard: handing over signed-out session " + SessionIds.abbreviate(id)
                            + " is left to a later expiry scan: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // the store is closing
        }
    }

    /**
     * As {@link #expireRevokedSoon}, on the calling thread: an operator's expire, whose listeners
     * have run when it returns. Nothing happens here without a handler, or past half the lease:
     * a later scan hands the session over.
     */
    void expireRevokedNow(String id, long leasedAt) {
        Consumer<SessionRecord> h = handler;
        if (h != null && clock.millis() - leasedAt < settings.getClaimLeaseSeconds() * 500L) {
            expireOne(id, h);
        }
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
            long now = clock.millis();
            if (record.isExpiredAt(now)) { // not a signed-out session handed over before its expiry
                metrics.expiryLag(now - record.expiryTime());
            }
            handingOver.put(id, record);
            try {
                handler.accept(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Lanyard: expiry listener failed for session "
                        + SessionIds.abbreviate(id) + "; the session is deleted all the same", e);
            } finally {
                handingOver.remove(id);
            }
            metrics.expiryProcessed();
            store.figures().ended(record.creationTime(), true);
        }
        if (deleteExpired(id) && record != null && record.storedPrincipal != null) {
            principals.removed(record.storedPrincipal, id);
        }
        return record != null;
    }

    /**
     * Deletes a claimed expired session and its index entries; true when it deleted the hash. The hash is deleted only if it is
     * still expired; a session that is live again (touched by a node whose clock is behind) keeps
     * its index entry, which the next claim re-checks and moves to the real expiry, so that
     * expiry still reaches a listener.
     */
    boolean deleteExpired(String id) {
        reader.decodedValues().forget(id);
        long deleted = (Long) redis.eval(DELETE_EXPIRED, layout.sessionKey(id), List.of(RedisLayout.ascii(clock.millis())), id);
        if (deleted != 0) {
            writer.removeFromIndex(layout.indexKey(id), RedisLayout.utf8(id), RedisLayout.utf8(REVOKED_MEMBER_PREFIX + id));
        }
        return deleted == 1;
    }
}
