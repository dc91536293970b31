package io.lanyard.core;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Every Redis call of the store goes through here: counts commands, runs Lua scripts by SHA
 * (falling back to EVAL once per server when the script cache lacks them), and turns Jedis
 * failures into Lanyard exceptions.
 *
 * <p>Outages: the first failure logs one WARNING and opens a breaker. While it is open, every call
 * fails at once with {@link LanyardException.RedisUnavailableException}; no request thread ever
 * probes. A background probe (one {@code EXISTS} of a key under the prefix, bounded by the
 * connect/read timeouts) runs on the store's scheduler, at most one a second; its first success
 * closes the breaker and logs recovery. So an outage costs one log line, and no request waits on a
 * dead or frozen Redis longer than its own timeouts (a request queued behind another, e.g. in
 * Jetty's session cache, finds the breaker open instead of becoming the next probe).
 *
 * <p>When the breaker opens, the client and its pool are dropped and the next probe builds a new
 * one: idle connections of the dead server would each fail one request after recovery, and a new
 * Sentinel client asks the sentinels for the current master. Errors Redis sends while it is failing
 * over or starting ({@code READONLY}, {@code LOADING}, {@code CLUSTERDOWN}, {@code TRYAGAIN}...)
 * count as unavailability, not as refused commands.
 *
 * <p>Refused credentials or permissions ({@link RedisAccessErrors}: a rotated password, a changed
 * ACL) open the breaker too, so requests get 503, but are logged once at ERROR naming the fix:
 * they are configuration errors, not outages. {@link #checkAtStart} finds them before the first
 * request. A full Redis ({@code OOM}) opens no breaker: see {@link RedisFull}.
 */
final class RedisCalls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisCalls.class.getName());

    /** Error prefixes that mean "Redis cannot serve this right now", not "this command is wrong". */
    private static final List<String> TRANSIENT_ERRORS = List.of("READONLY", "LOADING", "MASTERDOWN", "CLUSTERDOWN",
            "TRYAGAIN", "BUSY", "NOREPLICAS");
    /** At most one probe starts per this interval while Redis is down. */
    static final long PROBE_INTERVAL_MILLIS = 1000;

    private final LanyardSettings settings;
    private final RedisConnector connector;
    private final MetricsRecorder metrics;
    private final ScheduledExecutorService scheduler;
    private final byte[] probeKey;
    private final AtomicBoolean down = new AtomicBoolean();
    /** Set while the breaker is open because Redis refused the credentials or a permission: logged once, apart. */
    private final AtomicBoolean accessDenied = new AtomicBoolean();
    private final RedisHealth health = new RedisHealth();
    /** Why the breaker is open (the last failure seen), for the fail-fast messages of an outage. */
    private volatile String downCause = "";
    private final RateLimitedLog poolWarnings = new RateLimitedLog(LOG, 60_000);
    private volatile UnifiedJedis client;
    private volatile boolean closed;
    /** False once the server answered that it has no EVALSHA_RO (Redis before 7.0): read scripts then run as EVALSHA. */
    private volatile boolean readOnlyScripts = true;
    private final RedisFull full;

    /** @throws LanyardException.ConfigurationException when the URI or the trust store is unusable */
    RedisCalls(LanyardSettings settings, MetricsRecorder metrics, ScheduledExecutorService scheduler, byte[] probeKey) {
        this.settings = settings;
        this.connector = new RedisConnector(settings);
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.probeKey = probeKey;
        this.full = new RedisFull(settings.maskedRedisUri(), health);
    }

    /**
     * Runs a script by SHA (by body when the server's script cache lacks it). A read script goes as
     * {@code EVALSHA_RO}; on a server without it (Redis 6.2) as {@code EVALSHA}, from then on.
     */
    Object eval(LuaScript script, byte[] key, List<byte[]> args, String sessionId) {
        Object result = call(sessionId, script.access() == LuaScript.Access.READ, jedis -> {
            if (script.access() == LuaScript.Access.READ && readOnlyScripts) {
                try {
                    return script.evalReadOnly(jedis, key, args, metrics);
                } catch (JedisDataException e) {
                    if (e instanceof JedisNoScriptException || e.getMessage() == null || !e.getMessage().contains("unknown command")) {
                        throw e;
                    }
                    readOnlyScripts = false;
                    LOG.log(System.Logger.Level.INFO, "Lanyard: Redis at " + settings.maskedRedisUri()
                            + " has no EVALSHA_RO (before Redis 7.0); loads run as EVALSHA");
                }
            }
            return script.eval(jedis, key, args, metrics);
        });
        // Only a script that wrote ends a "Redis is full" episode: under maxmemory Redis refuses a
        // script at its first write, so one that returned before writing (save.lua and touch.lua
        // answer 0 or less then) proves nothing about memory.
        if (script.access() == LuaScript.Access.WRITE && !(result instanceof Long n && n <= 0)) {
            full.writeSucceeded();
        }
        return result;
    }

    /** A call that writes (a {@code ZADD}): its success also ends a "Redis is full" episode. */
    <T> T write(String sessionId, Function<UnifiedJedis, T> op) {
        T result = call(sessionId, op);
        full.writeSucceeded();
        return result;
    }

    /**
     * A request waited {@code waitedMillis} (the connect timeout) for another request of the same
     * session, still in Redis: it fails with 503 rather than wait longer than its timeouts. Logged
     * at most once a minute, like a pool without a free connection.
     */
    LanyardException.RedisUnavailableException waitedTooLong(String sessionId, String what, long waitedMillis) {
        metrics.error();
        poolWarnings.warn("wait", "Lanyard: requests of one session waited " + waitedMillis + " ms (connectTimeoutMillis) for "
                + what + " of another of its requests: Redis at " + settings.maskedRedisUri() + " is slow; such requests fail"
                + " with 503 while this lasts. Logged at most once a minute.");
        return new LanyardException.RedisUnavailableException(sessionId, "waited " + waitedMillis + " ms for " + what
                + " of another request of this session; Redis is slow or unreachable", null);
    }

    /** True while Redis refuses writes for memory and did so within the last second. */
    boolean isFull() {
        return full.isRecentlyFull();
    }

    <T> T call(String sessionId, Function<UnifiedJedis, T> op) {
        return call(sessionId, false, op);
    }

    /**
     * @param readOnly {@code op} writes nothing, so it may run again after a pooled connection turns
     *                 out closed while idle ({@link #attempt})
     */
    private <T> T call(String sessionId, boolean readOnly, Function<UnifiedJedis, T> op) {
        if (down.get()) {
            metrics.error();
            throw new LanyardException.RedisUnavailableException(sessionId,
                    "Redis at " + settings.maskedRedisUri() + " is unavailable (down since "
                            + health.downMillis() + " ms: " + downCause + ")", null);
        }
        UnifiedJedis used = null;
        try {
            used = client(sessionId, false);
            return attempt(sessionId, readOnly, op, used);
        } catch (JedisDataException e) {
            metrics.error();
            String refused = RedisAccessErrors.find(e);
            if (refused != null) {
                throw denied(sessionId, used, refused, e);
            }
            if (RedisFull.isOutOfMemory(e)) {
                throw full.refused(sessionId, e); // not an outage: reads still work, the breaker stays closed
            }
            if (isTransient(e)) {
                throw unavailable(sessionId, used, "cannot serve requests now", e);
            }
            throw new LanyardException(sessionId, "Redis refused a command: " + e.getMessage(), e);
        } catch (JedisConnectionException e) {
            metrics.error();
            throw unavailable(sessionId, used, "is unreachable", e);
        } catch (JedisException e) {
            metrics.error();
            if (e.getCause() instanceof NoSuchElementException) {
                // All poolSize connections busy for connectTimeoutMillis: Redis is slow or the pool too
                // small. Fail this request only; Redis itself answers, so the breaker stays closed.
                poolWarnings.warn("pool", "Lanyard: no free Redis connection within "
                        + settings.getConnectTimeoutMillis() + " ms (poolSize=" + settings.getPoolSize()
                        + "); requests fail with 503 while this lasts. Logged at most once a minute.");
                throw new LanyardException.RedisUnavailableException(sessionId, "no free connection to Redis at "
                        + settings.maskedRedisUri() + " within " + settings.getConnectTimeoutMillis() + " ms", e);
            }
            String refused = RedisAccessErrors.find(e); // e.g. a Cluster client's seed nodes all refused
            if (refused != null) {
                throw denied(sessionId, used, refused, e);
            }
            // Cluster "no reachable node" / retries exhausted, sentinels unreachable...
            throw unavailable(sessionId, used, "failed", e);
        }
    }

    /**
     * One probe while the breaker is open, on the scheduler thread: success closes the breaker
     * (logged once), failure schedules the next probe one interval after this one started.
     */
    private void probe() {
        if (closed || !down.get()) {
            return;
        }
        long start = System.nanoTime();
        UnifiedJedis used = null;
        health.probing(true);
        try {
            used = client(null, true);
            answers(used);
            // Only the probe closes the breaker (one probe at a time), so it logs first: no call
            // succeeds before the recovery line is written.
            LOG.log(System.Logger.Level.INFO, "Lanyard: Redis at " + settings.maskedRedisUri() + " is reachable again after "
                    + health.downMillis() + " ms");
            accessDenied.set(false);
            down.set(false);
        } catch (RuntimeException e) {
            // Still down (or a transient error): drop the client so the next probe starts afresh.
            String refused = RedisAccessErrors.find(e);
            if (refused != null) {
                // An outage that began as "unreachable" (a restart with a new password drops the
                // pooled connections first) is now known to be refused credentials: say so, once.
                denied(null, null, refused, e);
            } else {
                downCause = describe(e);
            }
            discard(used);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            scheduleProbe(Math.max(0, PROBE_INTERVAL_MILLIS - elapsedMillis));
        } finally {
            health.probing(false);
        }
    }

    private void scheduleProbe(long delayMillis) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(this::probe, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The store is closing.
        }
    }

    /**
     * Opens the breaker (logging once per outage), drops the client that failed and returns the
     * exception for the caller.
     */
    private LanyardException.RedisUnavailableException unavailable(String sessionId, UnifiedJedis used, String what,
                                                                   RuntimeException e) {
        String cause = describe(e);
        open(what, cause);
        // Also on every failed probe: a client built by a probe that failed (e.g. a Sentinel client
        // that found no master yet) must not stay; the next probe asks the servers afresh.
        discard(used);
        return new LanyardException.RedisUnavailableException(sessionId, "Redis at " + settings.maskedRedisUri()
                + " " + what + ": " + cause, e);
    }

    /**
     * As {@link #unavailable}, for refused credentials or permissions: logged at ERROR with the fix,
     * once until Redis accepts Lanyard again (also when the outage began as "unreachable": a Redis
     * restarted with a new password first drops the pooled connections).
     */
    private LanyardException.RedisUnavailableException denied(String sessionId, UnifiedJedis used, String refused,
                                                              RuntimeException e) {
        String why = RedisAccessErrors.explain(settings, refused);
        downCause = why;
        logDenied(why);
        if (down.compareAndSet(false, true)) {
            health.outageBegan();
            scheduleProbe(PROBE_INTERVAL_MILLIS);
        }
        discard(used);
        return new LanyardException.RedisUnavailableException(sessionId, why, e);
    }

    /** Logs refused credentials or permissions at ERROR, once until Redis accepts Lanyard again. */
    private void logDenied(String why) {
        if (accessDenied.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.ERROR, "Lanyard: " + why + ". Session requests fail with 503 until this is fixed."
                    + " Further failures are not logged until recovery.");
        }
    }

    /**
     * The start-up check, one {@code EXISTS} on the probe key (a key of this application: an ACL
     * user limited to the key prefix may touch it; no admin command is needed). Bounded by the connect and
     * read timeouts.
     *
     * <ul>
     * <li>Refused credentials or permissions: logged at ERROR naming the fix, and thrown, so the
     *     webapp does not start, as with a bad setting.</li>
     * <li>Redis unreachable: one WARNING naming the (masked) URI, and the breaker opens; the webapp
     *     starts anyway, since Redis may come up later; the breaker's probe finds it back.</li>
     * </ul>
     *
     * @throws LanyardException.ConfigurationException when Redis refuses Lanyard's credentials or permissions
     */
    void checkAtStart() {
        UnifiedJedis used = null;
        try {
            used = client(null, false);
            answers(used);
        } catch (JedisException e) {
            metrics.error();
            String refused = RedisAccessErrors.find(e);
            if (refused != null) {
                String why = RedisAccessErrors.explain(settings, refused);
                LOG.log(System.Logger.Level.ERROR, "Lanyard: " + why + ". The webapp is not started.");
                throw new LanyardException.ConfigurationException(why);
            }
            unavailable(null, used, "cannot be reached at start", e); // logs the WARNING; starting anyway
        }
    }

    /** One {@code EXISTS} of the probe key (a key of this application, which an ACL user limited to the prefix may read). */
    private void answers(UnifiedJedis c) {
        metrics.command();
        c.exists(probeKey);
    }

    /** Opens the breaker; the first call of an outage logs it. */
    private void open(String what, String cause) {
        downCause = cause;
        if (down.compareAndSet(false, true)) {
            health.outageBegan();
            downCause = what + ": " + cause;
            // The call that failed was the first probe: the next one starts an interval later.
            scheduleProbe(PROBE_INTERVAL_MILLIS);
            LOG.log(System.Logger.Level.WARNING, "Lanyard: Redis at " + settings.maskedRedisUri() + " " + what
                    + " (" + cause + "); session requests fail with 503 until it is back."
                    + " Further failures are not logged until recovery.");
        }
    }

    /**
     * Runs {@code op}, going past pooled connections that Redis, or a load balancer, NAT or firewall
     * between, closed while they sat idle (Redis's {@code timeout}; Azure Cache closes them after
     * 10 minutes): not an outage. Jedis drops each as it fails, and its siblings, idle as long, may
     * be closed too, so a call goes through at most {@code poolSize} of them, then the pool opens
     * fresh ones. A call that writes nothing runs again; one that writes fails alone (its command
     * may have run) once another connection shows Redis answers. A Redis that is really gone
     * (killed, restarting) refuses the fresh connection, and that is an outage as usual.
     */
    private <T> T attempt(String sessionId, boolean readOnly, Function<UnifiedJedis, T> op, UnifiedJedis used) {
        JedisConnectionException idleClosed = null;
        for (int left = settings.getPoolSize(); ; left--) {
            try {
                if (idleClosed == null || readOnly) {
                    T result = op.apply(used);
                    warnIdleClosed(idleClosed);
                    return result;
                }
                answers(used);
                warnIdleClosed(idleClosed);
                throw new LanyardException.RedisUnavailableException(sessionId, "Redis at " + settings.maskedRedisUri()
                        + " closed the connection of this call (" + describe(idleClosed) + "); it was replaced", idleClosed);
            } catch (JedisConnectionException e) {
                if (left == 0 || !closedWhileIdle(e)) {
                    throw e;
                }
                metrics.error();
                idleClosed = e;
            }
        }
    }

    /** Said once a connection worked after idle-closed ones (else the outage's line says more); at most once a minute. */
    private void warnIdleClosed(JedisConnectionException e) {
        if (e != null) {
            poolWarnings.warn("stale", "Lanyard: Redis at " + settings.maskedRedisUri() + " (or something between) closed"
                    + " pooled connections (" + describe(e) + "); they were replaced. Check Redis's timeout and any load"
                    + " balancer's idle timeout. Logged at most once a minute.");
        }
    }

    /**
     * True when the connection was found closed by the other side (end of stream, reset, broken
     * pipe) rather than timed out or refused: the way a connection that sat idle too long fails.
     */
    static boolean closedWhileIdle(JedisConnectionException e) {
        boolean closed = String.valueOf(e.getMessage()).contains("Unexpected end of stream");
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.ConnectException
                    || t instanceof javax.net.ssl.SSLException) {
                return false;
            }
            String m = String.valueOf(t.getMessage());
            closed |= t instanceof java.net.SocketException && (m.contains("reset") || m.contains("Broken pipe"));
        }
        return closed;
    }

    private static boolean isTransient(JedisDataException e) {
        String m = e.getMessage();
        return m != null && TRANSIENT_ERRORS.stream().anyMatch(m::startsWith);
    }

    boolean isDown() {
        return down.get();
    }

    /** Outages, probes and "Redis is full" episodes, for the JMX view. */
    RedisHealth health() {
        return health;
    }

    boolean isClosed() {
        return closed;
    }

    private UnifiedJedis client(String sessionId, boolean probe) {
        UnifiedJedis c = client;
        if (c == null) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the Lanyard session store is closed");
                }
                c = client;
                if (c == null) {
                    if (down.get() && !probe) {
                        // Queued behind a connect attempt that just failed: fail fast like every
                        // other call during the outage instead of trying again in turn.
                        metrics.error();
                        throw new LanyardException.RedisUnavailableException(sessionId,
                                "Redis at " + settings.maskedRedisUri() + " is unavailable", null);
                    }
                    // Created on first use (and again after an outage), so a node whose Redis is down
                    // at start still starts and recovers by itself; Cluster and Sentinel clients
                    // contact servers when built, and may throw here.
                    try {
                        c = connector.connect();
                    } catch (JedisException e) {
                        if (RedisAccessErrors.find(e) == null) { // refused credentials are logged by the caller
                            open("is unreachable", describe(e)); // before the lock is released
                        }
                        throw e;
                    }
                    client = c;
                }
            }
        }
        return c;
    }

    /** Drops a failed client, unless another thread already replaced it. */
    private void discard(UnifiedJedis failed) {
        if (failed == null) {
            return;
        }
        synchronized (this) {
            if (client != failed) {
                return;
            }
            client = null;
        }
        // Closed on its own thread: closing a pool waits for a running evictor (whose idle test may
        // itself be waiting on the dead server), and the request that hit the outage must fail
        // within the timeouts. Connections other threads still use are destroyed as they return.
        Thread closer = new Thread(() -> {
            try {
                failed.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the failed Redis client: " + e);
            }
        }, "lanyard-redis-client-close");
        closer.setDaemon(true);
        closer.start();
    }

    private String describe(Throwable e) {
        String tls = connector.describeTlsFailure(e);
        if (tls != null) {
            return tls;
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " / " + t;
    }

    @Override
    public void close() {
        UnifiedJedis c;
        synchronized (this) {
            closed = true;
            c = client;
            client = null;
        }
        if (c != null) {
            c.close();
        }
    }
}
