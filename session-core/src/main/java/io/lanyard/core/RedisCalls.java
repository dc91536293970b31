package io.lanyard.core;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Every Redis call of the store goes through here: counts commands, runs Lua scripts by SHA
 * (falling back to EVAL once per server when the script cache lacks them), and turns Jedis
 * failures into Lanyard exceptions.
 *
 * <p>Outages: the first failure logs one WARNING and opens a breaker. While it is open, calls fail
 * at once with {@link LanyardException.RedisUnavailableException}, except one probe at a time,
 * which goes to Redis (bounded by the connect/read timeouts). The first success logs recovery.
 * So an outage costs one log line and no thread waits on a dead Redis longer than the timeouts.
 */
final class RedisCalls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisCalls.class.getName());

    /** A Lua script loaded once from the classpath, called by SHA. */
    record Script(String name, byte[] body, byte[] sha) {
        static Script load(String name) {
            try (InputStream in = RedisCalls.class.getResourceAsStream("lua/" + name + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("missing Lua script " + name);
                }
                byte[] body = in.readAllBytes();
                String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
                return new Script(name, body, hex.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException("cannot load Lua script " + name, e);
            }
        }
    }

    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile long downSince;
    private volatile UnifiedJedis client;

    RedisCalls(LanyardSettings settings, MetricsRecorder metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    Object eval(Script script, byte[] key, List<byte[]> args, String sessionId) {
        return call(sessionId, jedis -> {
            try {
                metrics.command();
                return jedis.evalsha(script.sha(), List.of(key), args);
            } catch (JedisNoScriptException e) {
                // First use on this server (or after SCRIPT FLUSH / failover): EVAL also caches it.
                metrics.command();
                return jedis.eval(script.body(), List.of(key), args);
            }
        });
    }

    <T> T call(String sessionId, Function<UnifiedJedis, T> op) {
        boolean probe = false;
        if (down.get()) {
            if (!probing.compareAndSet(false, true)) {
                metrics.error();
                throw new LanyardException.RedisUnavailableException(sessionId,
                        "Redis at " + settings.maskedRedisUri() + " is unavailable (down since "
                                + (System.currentTimeMillis() - downSince) + " ms)", null);
            }
            probe = true;
        }
        try {
            T result = op.apply(client());
            if (down.get() && down.compareAndSet(true, false)) {
                LOG.log(System.Logger.Level.INFO, "Lanyard: Redis at " + settings.maskedRedisUri() + " is reachable again after "
                        + (System.currentTimeMillis() - downSince) + " ms");
            }
            return result;
        } catch (JedisConnectionException e) {
            metrics.error();
            if (down.compareAndSet(false, true)) {
                downSince = System.currentTimeMillis();
                LOG.log(System.Logger.Level.WARNING, "Lanyard: Redis at " + settings.maskedRedisUri()
                        + " is unreachable (" + rootMessage(e) + "); session requests fail with 503 until it is back."
                        + " Further failures are not logged until recovery.");
            }
            throw new LanyardException.RedisUnavailableException(sessionId, "Redis at " + settings.maskedRedisUri()
                    + " is unreachable: " + rootMessage(e), e);
        } catch (JedisDataException e) {
            metrics.error();
            throw new LanyardException(sessionId, "Redis refused a command: " + e.getMessage(), e);
        } catch (JedisException e) {
            metrics.error();
            // Cluster "no reachable node", sentinel "all sentinels down", pool exhaustion...
            if (down.compareAndSet(false, true)) {
                downSince = System.currentTimeMillis();
                LOG.log(System.Logger.Level.WARNING, "Lanyard: Redis at " + settings.maskedRedisUri()
                        + " failed (" + rootMessage(e) + "); session requests fail with 503 until it is back.");
            }
            throw new LanyardException.RedisUnavailableException(sessionId, "Redis at " + settings.maskedRedisUri()
                    + " failed: " + rootMessage(e), e);
        } finally {
            if (probe) {
                probing.set(false);
            }
        }
    }

    boolean isDown() {
        return down.get();
    }

    private UnifiedJedis client() {
        UnifiedJedis c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    // Created on first use, so a node whose Redis is down at start still starts and
                    // recovers by itself; Cluster and Sentinel clients contact servers when built.
                    c = RedisConnector.connect(settings);
                    client = c;
                }
            }
        }
        return c;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " / " + t;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
