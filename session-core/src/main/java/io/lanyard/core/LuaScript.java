package io.lanyard.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script of {@code lua/}, loaded once from the class path and called by SHA, and what it
 * does to Redis, which decides how {@link RedisCalls} sends it.
 *
 * @param access {@link Access#READ}: sent as {@code EVALSHA_RO} (a read for replicas, Cluster and a
 *               full Redis); {@link Access#WRITE}: its success shows Redis accepts writes (ends a
 *               "Redis is full" episode); {@link Access#MAINTENANCE}: may write nothing, so its
 *               success shows nothing
 */
record LuaScript(String name, byte[] body, byte[] sha, Access access) {
    /** What a script does to Redis. */
    enum Access { READ, WRITE, MAINTENANCE }

    /** {@code EVALSHA}, or {@code EVAL} when the server's script cache lacks it (first use, SCRIPT FLUSH, failover): that caches it. */
    Object eval(UnifiedJedis jedis, byte[] key, List<byte[]> args, MetricsRecorder metrics) {
        try {
            metrics.command();
            return jedis.evalsha(sha, List.of(key), args);
        } catch (JedisNoScriptException e) {
            metrics.command();
            return jedis.eval(body, List.of(key), args);
        }
    }

    /** As {@link #eval}, read-only: {@code EVALSHA_RO} or {@code EVAL_RO} (Redis 7.0+). */
    Object evalReadOnly(UnifiedJedis jedis, byte[] key, List<byte[]> args, MetricsRecorder metrics) {
        try {
            metrics.command();
            return jedis.evalshaReadonly(sha, List.of(key), args);
        } catch (JedisNoScriptException e) {
            metrics.command();
            return jedis.evalReadonly(body, List.of(key), args);
        }
    }

    static LuaScript load(String name, Access access) {
        try (InputStream in = LuaScript.class.getResourceAsStream("lua/" + name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing Lua script " + name);
            }
            byte[] body = in.readAllBytes();
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
            return new LuaScript(name, body, hex.getBytes(StandardCharsets.US_ASCII), access);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot load Lua script " + name, e);
        }
    }
}
