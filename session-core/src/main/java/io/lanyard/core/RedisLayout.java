package io.lanyard.core;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Key and field names in Redis, in one place.
 *
 * <pre>
 * {prefix}:{application}:s:{&lt;id&gt;}     hash, one per session (id in a Cluster hash tag)
 *    created lastAccessed accessed maxInactive expiry version node [cookieSet]   metadata, readable text
 *    a:&lt;attribute name&gt;                                              one field per attribute
 * {prefix}:{application}:expiry:&lt;n&gt;    sorted set shard n: member = session id, score = expiry ms
 * {prefix}:{application}:p:{&lt;hash&gt;}   sorted set per principal: member = session id, score = sign-in or
 *                                       last known access (ms); the principal's name hashed in a hash tag
 * {prefix}:{application}:stats         hash: cluster-wide session counts ({@link ClusterFigures}), no TTL
 * </pre>
 * A session that belongs to a principal names it in its {@code principal} field; a signed-out
 * (revoked) one has {@code expiry} {@value #REVOKED_EXPIRY} and the time of its revocation in {@code revoked}.
 * Attribute fields always start with {@code a:} and metadata fields never contain a colon, so the
 * two can never collide.
 */
final class RedisLayout {
    static final String CREATED = "created";
    static final String LAST_ACCESSED = "lastAccessed";
    static final String ACCESSED = "accessed";
    static final String MAX_INACTIVE = "maxInactive";
    static final String EXPIRY = "expiry";
    static final String VERSION = "version";
    /**
     * A random number each save writes with its changes: with the version, what identifies the
     * content of a record (a counter alone can repeat, e.g. after a failover lost a write and
     * another node saved the same version number).
     */
    static final String STAMP = "stamp";
    static final String NODE = "node";
    /** Jetty's cookie-set time; written only by stores that know it. */
    static final String COOKIE_SET = "cookieSet";
    /** The principal the session belongs to (readable name), absent for anonymous sessions. */
    static final String PRINCIPAL = "principal";
    /** When the session was signed out by {@code revoke.lua} (epoch ms). */
    static final String REVOKED = "revoked";
    /**
     * The expiry a revoked session gets: long past on every node's clock, so no node serves it
     * whatever its clock says, and the expiry index hands it over at once.
     */
    static final long REVOKED_EXPIRY = 1;
    static final String ATTRIBUTE_PREFIX = "a:";
    /**
     * Longest metadata or principal value a script reads out of a hash for the node ({@code delete.lua},
     * {@code state.lua}): a principal is a user name, the rest are numbers; a longer value (crafted,
     * megabytes) stays in Redis.
     */
    static final int MAX_FIELD_LENGTH = 1024;
    static final byte[] MAX_FIELD_READ = ascii(MAX_FIELD_LENGTH);

    private final String sessionKeyPrefix;
    private final String indexKeyPrefix;
    private final String principalKeyPrefix;
    private final int shards;

    RedisLayout(String keyPrefix, String application, int shards) {
        this.sessionKeyPrefix = keyPrefix + ":" + application + ":s:{";
        this.indexKeyPrefix = keyPrefix + ":" + application + ":expiry:";
        this.principalKeyPrefix = keyPrefix + ":" + application + ":p:{";
        this.shards = shards;
    }

    /**
     * The index key of a principal's sessions. The name is hashed (SHA-256, 128 bits in hex): any
     * name makes a safe key part, and the hash tag gives each principal its own Cluster slot.
     */
    String principalKeyText(String principal) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(utf8(principal));
            return principalKeyPrefix + java.util.HexFormat.of().formatHex(digest, 0, 16) + "}";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    byte[] principalKey(String principal) {
        return utf8(principalKeyText(principal));
    }

    byte[] sessionKey(String id) {
        return utf8(sessionKeyPrefix + id + "}");
    }

    String sessionKeyText(String id) {
        return sessionKeyPrefix + id + "}";
    }

    /**
     * The index shard of a session. One sorted set per shard, each its own key (no hash tag), so
     * on Redis Cluster the shards spread over the masters and no single key is the hot spot; every
     * script still touches exactly one key.
     */
    byte[] indexKey(String id) {
        return indexKeyOfShard(shardOf(id));
    }

    /** A key that never exists, under the prefix (least privilege): the breaker's probe asks Redis whether it does. */
    byte[] probeKey() {
        return utf8(indexKeyPrefix.substring(0, indexKeyPrefix.length() - "expiry:".length()) + "probe");
    }

    /** The application's cluster-wide session counts: one key, so one script updates it on Cluster too. */
    byte[] statsKey() {
        return utf8(indexKeyPrefix.substring(0, indexKeyPrefix.length() - "expiry:".length()) + "stats");
    }

    byte[] indexKeyOfShard(int shard) {
        return utf8(indexKeyPrefix + shard);
    }

    int shards() {
        return shards;
    }

    int shardOf(String id) {
        CRC32 crc = new CRC32();
        crc.update(utf8(id));
        return (int) (crc.getValue() % shards);
    }

    static byte[] attributeField(String name) {
        return utf8(ATTRIBUTE_PREFIX + name);
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
