package io.lanyard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read side of the store: the load, a read-only command ({@code EVALSHA_RO} of
 * {@code load.lua}); the touch that writes a request's access, sent only when due
 * ({@link TouchPolicy}); a peek that never touches; and an existence check. Metadata and
 * attributes are decoded here, attributes lazily (on first access).
 */
final class SessionReader {
    /** The store's logger: operators see one logger name for the store's lines. */
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());
    private static final LuaScript LOAD = LuaScript.load("load", LuaScript.Access.READ);
    private static final LuaScript TOUCH = LuaScript.load("touch", LuaScript.Access.WRITE);
    private static final LuaScript STATE = LuaScript.load("state", LuaScript.Access.READ);
    /** {@code load.lua}'s status when Redis still holds the version this node holds: the reply carries the metadata alone. */
    private static final long UNCHANGED = 5;
    /**
     * Metadata fields, in the order {@link #record} takes them: created, lastAccessed, accessed,
     * maxInactive, expiry, version, node, principal, cookieSet, stamp.
     */
    private static final int META_FIELDS = 10;
    /** Where the fields of an {@link #UNCHANGED} reply (accessed, lastAccessed, expiry, node) go among them. */
    private static final int[] VOLATILE = {2, 1, 4, 6};
    private static final byte[] NONE = new byte[0];
    /** Longest expiry, principal or revoked value {@link #storedState} sends (a principal is a user name). */

    private final RedisSessionStore store;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final TouchPolicy touch;
    /** Values decoded for earlier requests, taken back by a load that finds the same bytes. */
    private final DecodedValues kept;
    private final LogOnce loggedDrops = new LogOnce();
    private final LogOnce loggedTooLarge = new LogOnce();
    private final LogOnce loggedUnreadable = new LogOnce();
    /** Ids whose last load found Redis unreachable, with the time (nanos) it failed. */
    private final Map<String, Long> failedLoads = new ConcurrentHashMap<>();
    private final byte[] graceMillis;
    private final byte[] node;
    private final byte[] loadMaxFields;
    private final byte[] loadMaxBytes;

    SessionReader(RedisSessionStore store, RedisCalls redis, RedisLayout layout, LanyardSettings settings, MetricsRecorder metrics,
                  AttributeCodec codec, TouchPolicy touch) {
        this.store = store;
        this.touch = touch;
        this.redis = redis;
        this.layout = layout;
        this.settings = settings;
        this.metrics = metrics;
        this.codec = codec;
        this.kept = new DecodedValues(codec, settings.getDecodedValuesMaxBytes());
        this.graceMillis = RedisLayout.ascii(settings.getGracePeriodSeconds() * 1000L);
        this.node = RedisLayout.utf8(settings.getNodeName());
        this.loadMaxFields = RedisLayout.ascii(loadMaxFields(settings.getMaxSessionBytes()));
        this.loadMaxBytes = RedisLayout.ascii(loadMaxBytes(settings.getMaxSessionBytes()));
    }

    /**
     * Most bytes (field names and values) a session hash may hold to be loaded: twice
     * maxSessionBytes, since two nodes saving different attributes of one session, each under the
     * limit, can together leave more than the limit in Redis; plus 64 KiB for names and metadata.
     */
    static long loadMaxBytes(int maxSessionBytes) {
        return 2L * maxSessionBytes + 65_536;
    }

    /** Most fields a session hash may hold to be loaded: one per 16 bytes of maxSessionBytes, at least 1024. */
    static long loadMaxFields(int maxSessionBytes) {
        return Math.max(1024, maxSessionBytes / 16);
    }

    SessionRecord load(String id, boolean includeExpired) {
        long start = System.nanoTime();
        if (!SessionIds.isValid(id)) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        long now = store.now();
        DecodedValues.Held held = kept.take(id);
        List<?> parts;
        try {
            parts = fetch(id, now, held);
        } catch (LanyardException.UnreadableSessionException e) {
            metrics.load(System.nanoTime() - start, 0, false);
            throw e;
        } catch (LanyardException.RedisUnavailableException e) {
            if (failedLoads.size() > 10_000) {
                failedLoads.clear(); // notes older than any request in flight; never a leak
            }
            failedLoads.put(id, System.nanoTime());
            throw e;
        }
        if (!failedLoads.isEmpty()) {
            failedLoads.remove(id);
        }
        long status = parts == null ? 0 : (Long) parts.get(0);
        long[] bytes = new long[1];
        SessionRecord record = null;
        if (status == UNCHANGED) {
            try {
                record = unchanged(id, parts, held, bytes);
            } catch (LanyardException.UnreadableSessionException e) {
                metrics.load(System.nanoTime() - start, 0, false);
                throw e;
            }
            status = record.expiryTime() > 0 && record.expiryTime() <= now ? 2 : 1;
        }
        if (status == 0 || (status == 2 && !includeExpired)) {
            metrics.load(System.nanoTime() - start, 0, false);
            return null;
        }
        if (record == null) {
            record = decode(id, (List<?>) parts.get(1), held, bytes);
        }
        if (status == 1) {
            boolean due = touch.isDue(now, record.storedAccessedTime(), record.storedExpiryTime(), record.maxInactiveSeconds());
            record.touched(now, settings.getNodeName(), due);
            if (due) {
                writeTouch(record, now);
            }
        }
        metrics.load(System.nanoTime() - start, bytes[0], true);
        return record;
    }

    /** See {@link RedisSessionStore#loadReadable}. */
    SessionRecord loadReadable(String id) {
        try {
            return load(id, false);
        } catch (LanyardException.UnreadableSessionException e) {
            if (loggedUnreadable.first(id)) {
                LOG.log(System.Logger.Level.WARNING, "Lanyard: " + e.getMessage() + "; treating it as no session");
            }
            return null;
        }
    }

    /** See {@link RedisSessionStore#lookup}. */
    SessionRecord lookup(String cookieValue) {
        String id = RedisSessionStore.storedId(cookieValue);
        try {
            return id == null ? null : loadReadable(id);
        } catch (LanyardException.RedisUnavailableException e) {
            return null;
        }
    }

    /** See {@link RedisSessionStore#loadFailedSince}. */
    boolean loadFailedSince(String id, long sinceNanos) {
        Long failedAt = failedLoads.get(id);
        return failedAt != null && failedAt - sinceNanos >= 0;
    }

    /**
     * Applies to {@code r} the access of a request that joined it after its load, when what Redis
     * holds no longer covers it ({@link GivenTimes#joinedAccessDue}), as the load's touch applies
     * its own; the caller's save then writes it, or {@link #writeTouch} when the save has nothing
     * else to write. Called under the record's save lock.
     *
     * @return true when applied (Redis is taken to hold it from now, so later joiners within the
     *         interval write nothing)
     */
    boolean applyJoinedAccess(SessionRecord r) {
        long access = r.givenTimes.joinedAccessDue(touch, r.maxInactiveSeconds());
        if (access == GivenTimes.NOTHING) {
            return false;
        }
        r.touched(access, settings.getNodeName(), true);
        return true;
    }

    /**
     * Writes the access just applied to {@code r} at {@code now} (one command, at most once per
     * touch interval and session). Skipped, not fatal, when Redis cannot take it: the load has
     * served the request, and the stored expiry still covers maxInactive after the previous touch
     * (a full Redis logs once, an unreachable one opens the breaker, which logs once).
     */
    void writeTouch(SessionRecord r, long now) {
        List<byte[]> args = List.of(RedisLayout.ascii(now), graceMillis, node,
                RedisLayout.ascii(r.maxInactiveSeconds()), RedisLayout.ascii(r.expiryTime()));
        try {
            redis.eval(TOUCH, layout.sessionKey(r.id()), args, r.id());
        } catch (LanyardException.RedisUnavailableException e) {
            LOG.log(System.Logger.Level.DEBUG, "Lanyard: touch skipped: " + e.getMessage());
        }
    }

    /** Reads a session without touching it, also when it has expired; {@code null} when absent or too large. */
    SessionRecord peek(String id) {
        if (!SessionIds.isValid(id)) {
            return null;
        }
        List<?> parts = fetch(id, store.now(), null);
        if (parts == null) {
            return null;
        }
        return decode(id, (List<?>) parts.get(1), null, new long[1]);
    }

    /**
     * Runs {@code load.lua} (read-only). Returns its reply, or {@code null} for no session: absent,
     * or too large to load (logged once per session).
     *
     * @param held what this node holds of the session: when it holds its attributes whole, the
     *             reply is {@link #UNCHANGED} with the metadata alone while Redis holds that version
     * @throws LanyardException.UnreadableSessionException when the stored metadata is unreadable
     */
    private List<?> fetch(String id, long now, DecodedValues.Held held) {
        boolean whole = held != null && held.whole();
        List<byte[]> args = List.of(RedisLayout.ascii(now), loadMaxFields, loadMaxBytes,
                whole ? RedisLayout.ascii(held.version()) : NONE, whole ? RedisLayout.utf8(held.stamp()) : NONE);
        List<?> parts = (List<?>) redis.eval(LOAD, layout.sessionKey(id), args, id);
        if (parts == null) {
            return null;
        }
        long status = (Long) parts.get(0);
        if (status == 3) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + ")", null);
        }
        if (status == 4) {
            // Not "Redis unreachable": Redis answered at once, the record itself is refused.
            metrics.error();
            if (loggedTooLarge.first(id)) {
                long bytes = (Long) parts.get(2);
                LOG.log(System.Logger.Level.WARNING, "Lanyard: session too large: " + layout.sessionKeyText(SessionIds.abbreviate(id))
                        + " has " + parts.get(1) + " fields" + (bytes < 0 ? "" : " and " + bytes + " bytes")
                        + " in Redis, over the load limit of " + RedisLayout.text(loadMaxFields) + " fields and "
                        + RedisLayout.text(loadMaxBytes) + " bytes (from maxSessionBytes); it is treated as no session and left"
                        + " untouched in Redis to expire");
            }
            return null;
        }
        return parts;
    }

    boolean exists(String id) {
        if (!SessionIds.isValid(id)) {
            return false;
        }
        Long e = storedExpiry(id);
        return e != null && (e <= 0 || e > store.now());
    }

    /**
     * The session's {@code expiry} field (epoch ms, 0 = never), or {@code null} when the session
     * or the field does not exist. One command.
     *
     * @throws LanyardException.UnreadableSessionException when the field is not a number
     */
    Long storedExpiry(String id) {
        byte[] value = storedState(id).get(0);
        if (value != null && value.length == 0) {
            throw new LanyardException.UnreadableSessionException(id, "field '" + RedisLayout.EXPIRY + "' is too long to be a number", null);
        }
        return value == null ? null : parseLong(id, RedisLayout.EXPIRY, value);
    }

    /**
     * The session's {@code expiry}, {@code principal} and {@code revoked} fields, {@code null} where
     * absent. One command: a script that sends a value only when it is at most
     * {@value RedisLayout#MAX_FIELD_LENGTH} bytes, so a crafted value of megabytes stays in Redis; a longer one
     * comes back empty (not a number, not a name).
     */
    java.util.List<byte[]> storedState(String id) {
        List<?> reply = (List<?>) redis.eval(STATE, layout.sessionKey(id), List.of(RedisLayout.MAX_FIELD_READ), id);
        List<byte[]> state = new ArrayList<>(3);
        for (int i = 0; i < 3; i++) {
            Object v = i < reply.size() ? reply.get(i) : null;
            state.add(v instanceof byte[] b ? b : v == null ? null : new byte[0]);
        }
        return state;
    }

    /** A record from a whole hash ({@code HGETALL}'s flat field/value list); values {@code held} still holds are taken back. */
    private SessionRecord decode(String id, List<?> flat, DecodedValues.Held held, long[] bytes) {
        String[] meta = new String[META_FIELDS];
        List<Integer> attrs = new ArrayList<>(); // positions of attribute fields, put once the record exists
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            byte[] field = (byte[]) flat.get(i);
            byte[] value = (byte[]) flat.get(i + 1);
            bytes[0] += field.length + value.length;
            if (isAttributeField(field)) {
                attrs.add(i);
                continue;
            }
            int at = switch (RedisLayout.text(field)) {
                case RedisLayout.CREATED -> 0;
                case RedisLayout.LAST_ACCESSED -> 1;
                case RedisLayout.ACCESSED -> 2;
                case RedisLayout.MAX_INACTIVE -> 3;
                case RedisLayout.EXPIRY -> 4;
                case RedisLayout.VERSION -> 5;
                case RedisLayout.NODE -> 6;
                case RedisLayout.PRINCIPAL -> 7;
                case RedisLayout.COOKIE_SET -> 8;
                case RedisLayout.STAMP -> 9;
                default -> -1; // a field from a newer Lanyard: ignore
            };
            if (at >= 0) {
                meta[at] = RedisLayout.text(value);
            }
        }
        SessionRecord record = record(id, meta);
        int prefix = RedisLayout.ATTRIBUTE_PREFIX.length();
        for (int i : attrs) {
            byte[] field = (byte[]) flat.get(i);
            String name = new String(field, prefix, field.length - prefix, java.nio.charset.StandardCharsets.UTF_8);
            byte[] again = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (!java.util.Arrays.equals(again, 0, again.length, field, prefix, field.length)) {
                // Not UTF-8 (written by something else): two such names could read as one, and a
                // remove would delete another field. Left in Redis untouched.
                dropped(id, name, new AttributeCodec.DecodeException("its field name is not UTF-8", null));
                continue;
            }
            record.putPending(name, (byte[]) flat.get(i + 1));
        }
        record.decoder = PendingAttributes.of(codec, held, (name, e) -> dropped(id, name, e));
        return record;
    }

    /**
     * A record from {@code load.lua}'s {@link #UNCHANGED} reply (accessed, lastAccessed, expiry,
     * node: what changes without a save), and what {@code held} holds for that version.
     */
    private SessionRecord unchanged(String id, List<?> reply, DecodedValues.Held held, long[] bytes) {
        String[] m = new String[META_FIELDS];
        for (int i = 1; i < reply.size() && i <= 4; i++) {
            if (reply.get(i) instanceof byte[] b) {
                bytes[0] += b.length;
                m[VOLATILE[i - 1]] = RedisLayout.text(b);
            }
        }
        m[0] = Long.toString(held.created());
        m[3] = Integer.toString(held.maxInactive());
        m[5] = Long.toString(held.version());
        m[7] = held.principal();
        m[8] = Long.toString(held.cookieSet());
        m[9] = held.stamp();
        SessionRecord record = record(id, m);
        held.stored().forEach(record::putPending);
        record.decoder = PendingAttributes.of(codec, held, (name, e) -> dropped(id, name, e));
        return record;
    }

    /** A record of the metadata fields ({@link #META_FIELDS}; null where absent); its attributes follow. */
    private SessionRecord record(String id, String[] m) {
        SessionRecord record;
        try {
            record = new SessionRecord(id, Long.parseLong(m[0]), Long.parseLong(m[1]), Long.parseLong(m[2]), Integer.parseInt(m[3]),
                    parseCount("expiry", m[4]), parseCount("version", m[5]), m[6], false, touch);
        } catch (NumberFormatException e) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable (key "
                    + layout.sessionKeyText(SessionIds.abbreviate(id)) + "): " + LanyardException.printable(e.getMessage()), e);
        }
        record.storedPrincipal = m[7];
        record.cookieSetTime(parseLongOr(m[8], 0));
        record.stamp = m[9];
        record.storedIsWhole = true;
        return record;
    }

    /**
     * An expiry or version as {@code save.lua} accepts it: up to 15 ASCII digits. A crafted one near
     * the 64-bit limit would load, then make every save fail in its {@code PEXPIRE} or {@code HINCRBY}.
     */
    private static long parseCount(String field, String text) {
        boolean digits = text != null && !text.isEmpty() && text.length() <= 15;
        for (int i = 0; digits && i < text.length(); i++) { // a plain loop: this runs on every load
            digits = text.charAt(i) >= '0' && text.charAt(i) <= '9';
        }
        if (!digits) {
            throw new NumberFormatException(field + " is not a count of up to 15 digits: '" + text + "'");
        }
        return Long.parseLong(text);
    }

    /** True when a hash field names an attribute ({@link RedisLayout#ATTRIBUTE_PREFIX}, ASCII). */
    private static boolean isAttributeField(byte[] field) {
        String p = RedisLayout.ATTRIBUTE_PREFIX;
        if (field.length < p.length()) {
            return false;
        }
        for (int k = 0; k < p.length(); k++) {
            if (field[k] != p.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** The decoded values kept for sessions' next loads on this node ({@link DecodedValues}). */
    DecodedValues decodedValues() {
        return kept;
    }

    /** An attribute that cannot be decoded on first access: counted, and logged once per attribute and reason. */
    private void dropped(String id, String name, AttributeCodec.DecodeException e) {
        metrics.attributeDropped();
        // One line per attribute and reason, not one per request that reads the session.
        String reason = e.getMessage() == null ? "" : e.getMessage().substring(0, Math.min(80, e.getMessage().length()));
        if (loggedDrops.first(name + '\u0000' + reason)) {
            LOG.log(System.Logger.Level.WARNING, "Lanyard: dropped attribute '" + LanyardException.printable(name)
                    + "' of session " + SessionIds.abbreviate(id) + " (it stays in Redis untouched): "
                    + LanyardException.printable(e.getMessage()));
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
        return parseLongOr(RedisLayout.text(value), fallback);
    }

    static long parseLongOr(String value, long fallback) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
