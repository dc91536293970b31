package io.lanyard.core;

import redis.clients.jedis.params.ZAddParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The write side of the store: a save writes what changed since the record was loaded or last
 * saved, in one atomic script; an id change copies the whole record. Saves of one record are
 * serialized (its lock, waited for at most the connect timeout, as for a free connection): two requests
 * of one session could otherwise compute their deltas in one order and reach Redis in the other,
 * leaving the older value.
 */
final class SessionWriter {
    /** The store's logger: operators see one logger name for the store's lines. */
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());
    private static final LuaScript SAVE = LuaScript.load("save", LuaScript.Access.WRITE);
    private static final LuaScript DELETE = LuaScript.load("delete", LuaScript.Access.MAINTENANCE);
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] CHANGED = RedisLayout.utf8("1");

    private final RedisSessionStore store;
    private final RedisCalls redis;
    private final RedisLayout layout;
    private final LanyardSettings settings;
    private final MetricsRecorder metrics;
    private final AttributeCodec codec;
    private final Principals principals;
    private final PrincipalIndex index;
    private final SessionReader reader;
    private final LogOnce loggedFailures = new LogOnce();
    private final byte[] graceMillis;
    private final byte[] node;

    SessionWriter(RedisSessionStore store, RedisCalls redis, RedisLayout layout, LanyardSettings settings,
                  MetricsRecorder metrics, AttributeCodec codec, Principals principals, PrincipalIndex index,
                  SessionReader reader) {
        this.principals = principals;
        this.reader = reader;
        this.index = index;
        this.store = store;
        this.redis = redis;
        this.layout = layout;
        this.settings = settings;
        this.metrics = metrics;
        this.codec = codec;
        this.graceMillis = RedisLayout.ascii(settings.getGracePeriodSeconds() * 1000L);
        this.node = RedisLayout.utf8(settings.getNodeName());
    }

    /** @param forgetReads the caller knows no other request holds values of the record (see {@link SessionRecord}) */
    SaveResult save(SessionRecord record, boolean forgetReads) {
        lock(record);
        try {
            return saveLocked(record, forgetReads);
        } catch (RuntimeException e) {
            if (record.isNew()) {
                store.figures().rejected(record); // not stored yet, and this save failed: the new session is lost
            }
            throw e;
        } finally {
            record.saveLock.unlock();
        }
    }

    private SaveResult saveLocked(SessionRecord record, boolean forgetReads) {
        long start = System.nanoTime();
        String id = record.id();
        // A request that joined the loaded session after the touch interval: its access goes with
        // this save's changes (save.lua writes the record's access), or alone as a touch.
        boolean accessDue = !record.isNew() && reader.applyJoinedAccess(record);
        if (!record.isNew() && !Changes.mayHaveChanged(record)) {
            return unchanged(record, accessDue); // nothing set, removed or read that could have changed: no encoding at all
        }
        Changes.Delta delta = Changes.delta(record, codec);
        logFailures(id, delta.failures());
        if (!record.isNew() && delta.isEmpty()) {
            Changes.committed(record, delta, 0, forgetReads);
            return unchanged(record, accessDue);
        }
        checkSize(id, delta.totalBytes());
        boolean timeoutChanged = !record.isNew() && delta.metadataChanged();
        if ((record.isNew() || timeoutChanged) && record.expiryTime() > 0) {
            // Index first: an index entry without a hash is harmless (the scavenger drops it), a
            // hash without an index entry would expire without its sessionDestroyed event. A
            // changed timeout may bring the expiry earlier than the indexed one (or start one); it
            // only ever moves the entry earlier (ZADD LT), since a claim re-checks a due entry
            // against the hash anyway, and a later entry would be wrong if this save then failed.
            index(id, record.expiryTime(), timeoutChanged);
        }
        if (principals.mayHaveChanged(record, delta)) {
            String principal = principals.of(record);
            if (!Objects.equals(principal, record.storedPrincipal)) {
                return savePrincipalChange(record, delta, principal, start, forgetReads);
            }
        }
        return write(record, delta, null, start, forgetReads) == 0 ? SaveResult.GONE : SaveResult.SAVED;
    }

    /** No attribute changed: only a due access of a joined request is written, as the load's touch. */
    private SaveResult unchanged(SessionRecord record, boolean accessDue) {
        if (accessDue) {
            reader.writeTouch(record, record.accessedTime());
        }
        return SaveResult.UNCHANGED;
    }

    /**
     * A save that changes the session's principal, in the order {@link PrincipalIndex} relies on.
     * First everything but the attributes the principal is read from, removing the old principal
     * (a new session is created without one): this also proves the session still exists, so a
     * session invalidated or signed out meanwhile never enters an index and pushes a live one out
     * over the limit. Then the session leaves its old index, and a sign-in follows.
     */
    private SaveResult savePrincipalChange(SessionRecord record, Changes.Delta delta, String principal, long start,
                                           boolean forgetReads) {
        String id = record.id();
        String before = record.storedPrincipal;
        Changes.Delta first = principal == null ? delta : Changes.withheld(delta, principals.sources());
        if (write(record, first, before == null ? null : "", start, forgetReads) == 0) {
            return SaveResult.GONE;
        }
        record.storedPrincipal = null;
        if (before != null) {
            index.removed(before, id);
        }
        return principal == null ? SaveResult.SAVED : signIn(record, Changes.only(record, codec, principals.sources()), principal, start, forgetReads);
    }

    /** The last step of a sign-in: the index (and its limit), then the principal with the attributes it is read from. */
    private SaveResult signIn(SessionRecord record, Changes.Delta delta, String principal, long start, boolean forgetReads) {
        String id = record.id();
        index.signIn(principal, id, record.expiryTime());
        if (write(record, delta, principal, start, forgetReads) == 0) {
            index.removed(principal, id); // signed out (or invalidated) while signing in
            return SaveResult.GONE;
        }
        record.storedPrincipal = principal;
        return SaveResult.SAVED;
    }

    /**
     * One {@code save.lua} call: {@code delta}, plus metadata when the record is new.
     *
     * @param principal the principal field to write; {@code ""} removes it, {@code null} leaves it
     * @return the new version, or 0 when the session is gone or expired (nothing was written)
     */
    private long write(SessionRecord record, Changes.Delta delta, String principal, long start, boolean forgetReads) {
        String id = record.id();
        List<byte[]> args = new ArrayList<>();
        args.add(RedisLayout.ascii(store.now()));
        args.add(graceMillis);
        args.add(RedisLayout.utf8(record.isNew() ? "create" : "update"));
        // A new record, or metadata as given (Jetty), is written field by field, node included.
        // Otherwise the save carries this request's access (the load applied it in memory; Redis
        // may hold an older one, see TouchPolicy) and a changed timeout, with the expiry they give.
        boolean asGiven = record.isNew() || delta.metadataGiven();
        args.add(delta.metadataGiven() ? EMPTY : node);
        args.add(!asGiven && record.isTouched() ? RedisLayout.ascii(record.accessedTime()) : EMPTY);
        args.add(RedisLayout.ascii(record.lastAccessedTime()));
        args.add(RedisLayout.ascii(record.maxInactiveSeconds()));
        args.add(!asGiven && delta.metadataChanged() ? CHANGED : EMPTY);
        args.add(RedisLayout.ascii(record.expiryTime()));
        List<byte[]> pairs = new ArrayList<>();
        if (asGiven) {
            addMetadata(pairs, record);
        }
        delta.changed().forEach((name, bytes) -> {
            pairs.add(RedisLayout.attributeField(name));
            pairs.add(bytes);
        });
        if (principal != null && !principal.isEmpty()) {
            pair(pairs, RedisLayout.PRINCIPAL, RedisLayout.utf8(principal));
        }
        String stamp = newStamp(pairs);
        args.add(RedisLayout.ascii(pairs.size() / 2));
        args.addAll(pairs);
        for (String name : delta.removed()) {
            args.add(RedisLayout.attributeField(name));
        }
        if ("".equals(principal)) {
            args.add(RedisLayout.utf8(RedisLayout.PRINCIPAL));
        }
        long result = (Long) redis.eval(SAVE, layout.sessionKey(id), args, id);
        if (result == -1) {
            throw new LanyardException.SessionIdCollisionException(id);
        }
        if (result == -2) {
            throw new LanyardException.UnreadableSessionException(id, "session metadata in Redis is unreadable", null);
        }
        if (result > 0) {
            if (record.isNew()) {
                store.figures().created();
            }
            record.stamp = stamp;
            Changes.committed(record, delta, result, forgetReads);
            metrics.save(System.nanoTime() - start, delta.bytesWritten());
        }
        return result;
    }

    boolean changeId(SessionRecord record, String newId) {
        if (!SessionIds.isValid(newId)) {
            throw new IllegalArgumentException("invalid new session id");
        }
        lock(record);
        boolean isNew = record.isNew();
        try {
            long start = System.nanoTime();
            String oldId = record.id();
            Changes.FullCopy copy = Changes.allEncoded(record, codec);
            checkSize(oldId, copy.totalBytes());
            String principal = principals.of(record);
            String storedPrincipal = record.storedPrincipal;
            Runnable asBefore = () -> {
                record.id(oldId);
                record.storedPrincipal = storedPrincipal;
            };
            record.id(newId);
            record.storedPrincipal = null;
            // The copy first, the old record after it: a copy Redis refuses (full, down) leaves the
            // session as it was under its old id, never under neither.
            long result;
            List<String> withheld;
            String stamp;
            try {
                // A signed-in session is written without its login, which a sign-in then adds (as in a save).
                withheld = principal == null ? List.of() : principals.sources();
                List<byte[]> pairs = new ArrayList<>();
                addMetadata(pairs, record);
                copy.bytes().forEach((name, bytes) -> {
                    if (!withheld.contains(name)) {
                        pairs.add(RedisLayout.attributeField(name));
                        pairs.add(bytes);
                    }
                });
                stamp = newStamp(pairs);
                List<byte[]> args = new ArrayList<>(List.of(RedisLayout.ascii(store.now()), graceMillis,
                        RedisLayout.utf8("create"), EMPTY, EMPTY, EMPTY, EMPTY, EMPTY, EMPTY, RedisLayout.ascii(pairs.size() / 2)));
                args.addAll(pairs);
                if (record.expiryTime() > 0) {
                    index(newId, record.expiryTime(), false); // before the hash, as in save
                }
                result = (Long) redis.eval(SAVE, layout.sessionKey(newId), args, newId);
                if (result == -1) {
                    throw new LanyardException.SessionIdCollisionException(newId);
                }
            } catch (RuntimeException e) {
                asBefore.run();
                throw e;
            }
            boolean oldDeleted;
            try {
                oldDeleted = isNew || delete(oldId, false); // also drops the old id from its principal's index
            } catch (RuntimeException e) {
                // Redis lost between the two commands: the session stays what it was, under its old
                // id (the copy, unknown to anyone, goes with its TTL).
                asBefore.run();
                throw e;
            }
            if (!oldDeleted) {
                // Invalidated elsewhere meanwhile: its copy goes too.
                delete(newId, false);
                asBefore.run();
                return false;
            }
            if (isNew) {
                store.figures().created(); // a new session's first write (login in the creating request)
            }
            record.stamp = stamp;
            Changes.committedAll(record, copy, result);
            withheld.forEach(record.stored::remove);
            if (principal != null) {
                signIn(record, Changes.only(record, codec, withheld), principal, start, false);
            }
            return true;
        } catch (RuntimeException e) {
            if (record.isNew()) {
                store.figures().rejected(record); // as in save
            }
            throw e;
        } finally {
            record.saveLock.unlock();
        }
    }

    /**
     * Deletes a session in one command, then drops it from its principal's index.
     *
     * @param ended an invalidation (counted in the cluster figures), not an id change
     * @return true when it existed
     */
    boolean delete(String id, boolean ended) {
        reader.decodedValues().forget(id); // an id change or an invalidation: nothing of it comes back
        List<?> reply = (List<?>) redis.eval(DELETE, layout.sessionKey(id), List.of(RedisLayout.MAX_FIELD_READ), id);
        if (reply.get(1) instanceof byte[] principal) {
            index.removed(RedisLayout.text(principal), id);
        }
        boolean deleted = (Long) reply.get(0) > 0;
        long expiry = reply.get(2) instanceof byte[] e ? SessionReader.parseLongOr(e, 0) : 0;
        if (deleted && expiry > 0) {
            // Its expiry-index entry goes later, batched on the store's scheduler: a write here
            // would be a second command on a shared key, on the request path.
            store.figures().deleted(id, expiry);
        }
        if (deleted && ended && reply.get(3) instanceof byte[] created) {
            store.figures().ended(SessionReader.parseLongOr(created, 0), false);
        }
        return deleted;
    }

    void index(String id, long expiry, boolean onlyEarlier) {
        byte[] key = layout.indexKey(id);
        redis.write(id, jedis -> {
            metrics.command();
            return onlyEarlier ? jedis.zadd(key, expiry, RedisLayout.utf8(id), ZAddParams.zAddParams().lt())
                    : jedis.zadd(key, expiry, RedisLayout.utf8(id));
        });
    }

    void removeFromIndex(byte[] indexKey, byte[]... members) {
        redis.call(null, jedis -> {
            metrics.command();
            return jedis.zrem(indexKey, members);
        });
    }

    /**
     * Takes the record's save lock within the connect timeout: a request waits for another save of
     * its session no longer than for a free connection, so that with its own call it stays within
     * its connect + read timeouts.
     */
    private void lock(SessionRecord record) {
        long wait = settings.getConnectTimeoutMillis();
        try {
            if (!record.saveLock.tryLock(wait, TimeUnit.MILLISECONDS)) {
                throw redis.waitedTooLong(record.id(), "the save", wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LanyardException.RedisUnavailableException(record.id(), "interrupted while waiting to save", e);
        }
    }

    private void addMetadata(List<byte[]> pairs, SessionRecord r) {
        pair(pairs, RedisLayout.CREATED, RedisLayout.ascii(r.creationTime()));
        pair(pairs, RedisLayout.LAST_ACCESSED, RedisLayout.ascii(r.lastAccessedTime()));
        pair(pairs, RedisLayout.ACCESSED, RedisLayout.ascii(r.accessedTime()));
        pair(pairs, RedisLayout.MAX_INACTIVE, RedisLayout.ascii(r.maxInactiveSeconds()));
        pair(pairs, RedisLayout.EXPIRY, RedisLayout.ascii(r.expiryTime()));
        if (r.isNew()) {
            pair(pairs, RedisLayout.VERSION, RedisLayout.ascii(0));
        }
        pair(pairs, RedisLayout.NODE, r.lastNode() == null ? node : RedisLayout.utf8(r.lastNode()));
        if (r.cookieSetTime() != 0) {
            pair(pairs, RedisLayout.COOKIE_SET, RedisLayout.ascii(r.cookieSetTime()));
        }
    }

    /** Adds a fresh {@link RedisLayout#STAMP} to a save's pairs; returns it. */
    private static String newStamp(List<byte[]> pairs) {
        String stamp = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        pair(pairs, RedisLayout.STAMP, RedisLayout.utf8(stamp));
        return stamp;
    }

    private static void pair(List<byte[]> pairs, String field, byte[] value) {
        pairs.add(RedisLayout.utf8(field));
        pairs.add(value);
    }

    private void checkSize(String id, long total) {
        if (total > settings.getMaxSessionBytes()) {
            metrics.oversizedRefused();
            String msg = "session is " + total + " bytes encoded, over maxSessionBytes=" + settings.getMaxSessionBytes()
                    + "; the save was refused and nothing was written";
            LOG.log(System.Logger.Level.WARNING, "Lanyard: " + msg + " [session " + SessionIds.abbreviate(id) + "]");
            throw new LanyardException.SessionTooLargeException(id, msg);
        }
    }

    private void logFailures(String id, Map<String, String> failures) {
        for (Map.Entry<String, String> f : failures.entrySet()) {
            metrics.error();
            // One line per attribute name, not one per request.
            if (loggedFailures.first(f.getKey())) {
                LOG.log(System.Logger.Level.ERROR, "Lanyard: attribute '" + LanyardException.printable(f.getKey())
                        + "' cannot be stored (the other attributes were saved; Redis keeps its previous value, if any): "
                        + LanyardException.printable(f.getValue()) + " [session " + SessionIds.abbreviate(id) + "]");
            }
        }
    }
}
