package io.lanyard.core;

import redis.clients.jedis.exceptions.JedisDataException;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * "Redis is full" episodes: Redis at {@code maxmemory} with {@code noeviction} refuses writes
 * ({@code OOM command not allowed}) but still serves reads. That is not an outage: the breaker
 * stays closed, loads (read-only) keep serving page views, a due touch is skipped, and only a
 * request whose changes cannot be saved fails, at once, with {@link LanyardException.RedisFullException}.
 * Logged once when the episode starts and once when a write succeeds again.
 */
final class RedisFull {
    private static final System.Logger LOG = System.getLogger(RedisCalls.class.getName());
    /** How long after a refused write new sessions are refused without trying (a node at its limit stays there for a while). */
    private static final long RECENT_NANOS = 1_000_000_000L;

    private final String maskedUri;
    private final RedisHealth health;
    private final AtomicBoolean full = new AtomicBoolean();
    private volatile long refusedAt;

    RedisFull(String maskedUri, RedisHealth health) {
        this.maskedUri = maskedUri;
        this.health = health;
    }

    static boolean isOutOfMemory(JedisDataException e) {
        return e.getMessage() != null && e.getMessage().startsWith("OOM");
    }

    /** A write was refused for memory: starts (and logs) an episode; returns the exception for the caller. */
    LanyardException.RedisFullException refused(String sessionId, JedisDataException e) {
        refusedAt = System.nanoTime();
        if (full.compareAndSet(false, true)) {
            health.fullEpisodeBegan();
            LOG.log(System.Logger.Level.WARNING, "Lanyard: Redis is full: maxmemory reached at " + maskedUri + " ("
                    + e.getMessage() + "). Page views of existing sessions are still served; requests that change"
                    + " a session fail with 503 until memory is freed. Not logged again until writes succeed.");
        }
        return new LanyardException.RedisFullException(sessionId, "Redis at " + maskedUri
                + " is full: maxmemory reached; the change was not saved", e);
    }

    /** A write succeeded: ends an episode (logged once). */
    void writeSucceeded() {
        if (full.get() && full.compareAndSet(true, false)) {
            LOG.log(System.Logger.Level.INFO, "Lanyard: Redis at " + maskedUri + " accepts writes again (memory was freed)");
        }
    }

    /** True while an episode lasts and a write was refused within the last second. */
    boolean isRecentlyFull() {
        return full.get() && System.nanoTime() - refusedAt < RECENT_NANOS;
    }
}
