package io.lanyard.core;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.resps.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The application's sessions on all nodes for an operator's tools (Tomcat's manager webapp),
 * capped at {@link #MAX_LISTED}: the entries with the latest expiry in the expiry index (roughly
 * the most recently created), each with its metadata only. Bounded whatever the number of
 * sessions: one {@code ZREVRANGE} per shard and one pipelined {@code HMGET} per listed session;
 * attributes are not read (off the request path, the metadata fields are read uncapped: a crafted
 * huge one of a listed session reaches the operator's node). Signed-out entries ({@code r:}) and entries whose hash is gone
 * (invalidated, not yet dropped from the index) are left out.
 */
final class SessionListing {
    /** The most sessions listed. */
    static final int MAX_LISTED = 1000;
    private static final byte[][] FIELDS = {RedisLayout.utf8(RedisLayout.CREATED), RedisLayout.utf8(RedisLayout.LAST_ACCESSED),
            RedisLayout.utf8(RedisLayout.ACCESSED), RedisLayout.utf8(RedisLayout.MAX_INACTIVE), RedisLayout.utf8(RedisLayout.EXPIRY),
            RedisLayout.utf8(RedisLayout.NODE)};

    private final RedisCalls redis;
    private final RedisLayout layout;
    private final MetricsRecorder metrics;
    private final TouchPolicy touch;

    SessionListing(RedisCalls redis, RedisLayout layout, MetricsRecorder metrics, TouchPolicy touch) {
        this.redis = redis;
        this.layout = layout;
        this.metrics = metrics;
        this.touch = touch;
    }

    /** Metadata-only records (no attributes; not new), latest expiry first. */
    List<SessionRecord> recent() {
        List<Tuple> entries = new ArrayList<>();
        for (int shard = 0; shard < layout.shards(); shard++) {
            byte[] key = layout.indexKeyOfShard(shard);
            entries.addAll(redis.call(null, jedis -> {
                metrics.command();
                return jedis.zrevrangeWithScores(key, 0, MAX_LISTED - 1);
            }));
        }
        List<String> ids = entries.stream().sorted(Comparator.comparingDouble(Tuple::getScore).reversed())
                .map(t -> RedisLayout.text(t.getBinaryElement())).filter(SessionIds::isValid).distinct().limit(MAX_LISTED).toList();
        List<List<byte[]>> metadata = redis.call(null, jedis -> {
            try (AbstractPipeline pipeline = jedis.pipelined()) {
                List<Response<List<byte[]>>> replies = new ArrayList<>();
                for (String id : ids) {
                    metrics.command();
                    replies.add(pipeline.hmget(layout.sessionKey(id), FIELDS));
                }
                pipeline.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
        List<SessionRecord> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            List<byte[]> f = metadata.get(i);
            if (f.get(0) == null || f.get(4) == null || number(f.get(4)) == RedisLayout.REVOKED_EXPIRY) {
                continue; // gone (invalidated, or expired and deleted), signed out, or not a session's hash
            }
            long accessed = number(f.get(2));
            out.add(new SessionRecord(ids.get(i), number(f.get(0)), number(f.get(1)), accessed, (int) number(f.get(3)),
                    number(f.get(4)), 0, f.get(5) == null ? "" : RedisLayout.text(f.get(5)), false, touch));
        }
        return out;
    }

    private static long number(byte[] value) {
        return value == null ? 0 : SessionReader.parseLongOr(value, 0);
    }
}
