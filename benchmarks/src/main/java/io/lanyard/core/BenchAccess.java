package io.lanyard.core;

/**
 * The few package-private layout facts the scale benchmark needs to write Lanyard's exact layout
 * (index shard of a session id). Lives in package {@code io.lanyard.core} inside the benchmarks
 * module rather than widening the core API (the core jar is not sealed and not a named module).
 */
public final class BenchAccess {
    private BenchAccess() {
    }

    /** The expiry-index key prefix (shard number appended) for these settings. */
    public static String indexKeyPrefix(LanyardSettings s) {
        return s.getKeyPrefix() + ":" + s.getApplication() + ":expiry:";
    }

    /** The shard of a session id, as the store computes it. */
    public static int shardOf(LanyardSettings s, String id) {
        return new RedisLayout(s.getKeyPrefix(), s.getApplication(), s.getExpiryShards()).shardOf(id);
    }
}
