package io.lanyard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read side of the store, one command per call: the load (which also touches the session:
 * access time, expiry, TTL), a peek that does not touch, and an existence check. Metadata and
 * attributes are decoded here, attributes lazily (on first access).
 */
final class SessionReader {
    /** The store's logger: operators see one logger name for the store's lines. */
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());
    private static final RedisCalls.Script LOAD = RedisCalls.Script.load("load");

    private final RedisSessionStore store;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final Set<String> loggedDrops = ConcurrentHashMap.newKeySet();
    private final byte[] graceMillis;
    private final byte[] node;

    SessionReader(RedisSessionStore store, RedisCalls redis, RedisLayout layout, LanyardSettings settings, MetricsRecorder metrics,
                  AttributeCodec codec) {
        this.store = store;
        this.redis = redis;
        this.layout = layout;
        this.settings = settings;
        this.metrics = metrics;
        this.codec = codec;
        this.graceMillis = RedisSessionStore.ascii(settings.getGracePeriodSeconds() * 1000L);
        this.node = RedisLayout.utf8(settings.getNodeName());
    }


    SessionRecord load(String id, boolean includeExpired) {
        long start = System.nanoTime();
        if (!SessionIds.isValid(id)) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        long now = store.now();
        Object reply = redis.eval(LOAD, layout.sessionKey(id), List.of(RedisSessionStore.ascii(now), graceMillis, node), id);
        if (reply == null) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        List<?> parts = (List<?>) reply;
        long status = (Long) parts.get(0);
        List<?> hash = (List<?>) parts.get(1);
        if (status == 3) {
            metrics.load(System.nanoTime() - start, 0, false);
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + ")", null);
        }
        if (status == 2 && !includeExpired) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        long[] bytes = new long[1];
        SessionRecord record = withCookieSet(decode(id, hash, bytes), hash);
        if (status == 1) {
            record.touched(now, settings.getNodeName()); // what load.lua wrote, after the hash it returned
        }
        metrics.load(System.nanoTime() - start, bytes[0], true);
        return record;
    }

    SessionRecord peek(String id) {
        if (!SessionIds.isValid(id)) {
            return null;
        }
        byte[] key = layout.sessionKey(id);
        List<byte[]> flat = redis.call(id, jedis -> {
            metrics.command();
            Map<byte[], byte[]> m = jedis.hgetAll(key);
            List<byte[]> out = new ArrayList<>(m.size() * 2);
            m.forEach((k, v) -> {
                out.add(k);
                out.add(v);
            });
            return out;
        });
        if (flat.isEmpty()) {
            return null;
        }
        long[] bytes = new long[1];
        return withCookieSet(decode(id, flat, bytes), flat);
    }

    private static SessionRecord withCookieSet(SessionRecord record, List<?> flat) {
        byte[] name = RedisLayout.utf8(RedisLayout.COOKIE_SET);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (java.util.Arrays.equals((byte[]) flat.get(i), name)) {
                record.cookieSetTime(parseLongOr((byte[]) flat.get(i + 1), 0));
            }
        }
        return record;
    }

    boolean exists(String id) {
        if (!SessionIds.isValid(id)) {
            return false;
        }
        byte[] key = layout.sessionKey(id);
        byte[] expiry = redis.call(id, jedis -> {
            metrics.command();
            return jedis.hget(key, RedisLayout.utf8(RedisLayout.EXPIRY));
        });
        if (expiry == null) {
            return false;
        }
        long e = parseLong(id, RedisLayout.EXPIRY, expiry);
        return e <= 0 || e > store.now();
    }

    private SessionRecord decode(String id, List<?> flat, long[] bytes) {
        String created = null, lastAccessed = null, accessed = null, maxInactive = null, expiry = null, version = null, lastNode = null;
        List<Object[]> attrs = new ArrayList<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            byte[] field = (byte[]) flat.get(i);
            byte[] value = (byte[]) flat.get(i + 1);
            bytes[0] += field.length + value.length;
            String name = RedisLayout.text(field);
            if (name.startsWith(RedisLayout.ATTRIBUTE_PREFIX)) {
                attrs.add(new Object[]{name.substring(RedisLayout.ATTRIBUTE_PREFIX.length()), value});
                continue;
            }
            String text = RedisLayout.text(value);
            switch (name) {
                case RedisLayout.CREATED -> created = text;
                case RedisLayout.LAST_ACCESSED -> lastAccessed = text;
                case RedisLayout.ACCESSED -> accessed = text;
                case RedisLayout.MAX_INACTIVE -> maxInactive = text;
                case RedisLayout.EXPIRY -> expiry = text;
                case RedisLayout.VERSION -> version = text;
                case RedisLayout.NODE -> lastNode = text;
                default -> { } // a field from a newer Lanyard: ignore
            }
        }
        SessionRecord record;
        try {
            record = new SessionRecord(id, Long.parseLong(created), Long.parseLong(lastAccessed), Long.parseLong(accessed),
                    Integer.parseInt(maxInactive), Long.parseLong(expiry), Long.parseLong(version), lastNode, false);
        } catch (NumberFormatException e) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + "): " + e.getMessage(), e);
        }
        for (Object[] a : attrs) {
            record.putPending((String) a[0], (byte[]) a[1]);
        }
        record.decoder((name, value) -> decodeAttribute(record.id(), name, value));
        return record;
    }

    /** Decodes one attribute on first access; on failure logs once per attribute and reason and returns null. */
    private Object decodeAttribute(String id, String name, byte[] value) {
        try {
            return codec.decode(value);
        } catch (AttributeCodec.DecodeException e) {
            metrics.attributeDropped();
            // One line per attribute and reason, not one per request that reads the session.
            String reason = e.getMessage() == null ? "" : e.getMessage().substring(0, Math.min(80, e.getMessage().length()));
            if (loggedDrops.add(name + '\u0000' + reason) && loggedDrops.size() < 1000) {
                LOG.log(System.Logger.Level.WARNING, "Lanyard: dropped attribute '" + LanyardException.printable(name)
                        + "' of session " + SessionIds.abbreviate(id) + " (it stays in Redis untouched): "
                        + LanyardException.printable(e.getMessage()));
            }
            return null;
        }
    }

    static long parseLong(String id, String field, byte[] value) {
        try {
            return Long.parseLong(RedisLayout.text(value));
        } catch (NumberFormatException e) {
            throw new LanyardException.UnreadableSessionException(id, "field '" + field + "' is not a number", e);
        }
    }

    static long parseLongOr(byte[] value, long fallback) {
        try {
            return Long.parseLong(RedisLayout.text(value));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
