package io.lanyard.jetty;

import io.lanyard.core.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.session.SessionData;

/**
 * Jetty's view of one session, bound to the Lanyard {@link SessionRecord} it was loaded from (or
 * will be created as). Remembers which attributes Jetty set since the last store, so
 * {@link RedisSessionDataStore#doStore} hands exactly those to the record; attributes changed in
 * place are found by the core's byte comparison because both maps hold the same objects.
 */
final class LanyardSessionData extends SessionData {
    private static final long serialVersionUID = 1L;

    private final transient RedisSessionDataStore owner;
    private final transient Set<String> dirtyNames = ConcurrentHashMap.newKeySet();
    private transient volatile SessionRecord record;

    LanyardSessionData(RedisSessionDataStore owner, String id, String contextPath, String vhost, long created,
                       long accessed, long lastAccessed, long maxInactiveMs) {
        super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
        this.owner = owner;
    }

    /** Jetty's view of {@code r}: the metadata as persisted (before this node's touch), attributes but Lanyard's own. */
    static LanyardSessionData of(RedisSessionDataStore owner, String id, String contextPath, String vhost, SessionRecord r,
                                 String lastNode, long now) {
        LanyardSessionData d = new LanyardSessionData(owner, id, contextPath, vhost, r.creationTime(), r.storedAccessedTime(),
                r.storedLastAccessedTime(), millis(r.maxInactiveSeconds()));
        d.putAllAttributes(r.asMap()); // the record's view hides Lanyard's reserved attributes
        d.setExpiry(r.storedExpiryTime());
        d.setLastNode(lastNode);
        d.setCookieSet(r.cookieSetTime());
        d.setLastSaved(now);
        d.record(r);
        d.clean();
        return d;
    }

    /**
     * Hands Jetty's changes to the record; the core decides what actually changed
     * ({@link SessionRecord#updateAttributes}: reserved attributes stay as they are in the record).
     */
    static void sync(LanyardSessionData lsd, SessionRecord r, SessionData data, String lastNode) {
        r.updateAttributes(data.getAllAttributes(), lsd == null ? List.of() : lsd.drainDirtyNames());
        int maxInactive = seconds(data.getMaxInactiveMs());
        // The load's touch already wrote this request's access (times, expiry, node): a store that
        // carries nothing else writes no metadata. Anything else is persisted as Jetty gives it.
        boolean onlyThisAccess = r.isTouched() && data.getCreated() == r.creationTime()
                && maxInactive == r.maxInactiveSeconds() && data.getCookieSet() == r.cookieSetTime()
                && data.getLastAccessed() == r.lastAccessedTime() && data.getAccessed() >= r.lastAccessedTime();
        if (!onlyThisAccess) {
            r.setMetadata(data.getCreated(), data.getAccessed(), data.getLastAccessed(), maxInactive, data.getExpiry(),
                    lastNode, data.getCookieSet());
        }
    }

    SessionRecord record() {
        return record;
    }

    void record(SessionRecord r) {
        this.record = r;
    }

    @Override
    public void setDirty(String name) {
        dirtyNames.add(name);
        super.setDirty(name);
    }

    /**
     * Also true while the session has attributes: one may have been changed in place, which Jetty
     * cannot see. With {@code flushOnResponseCommit} this makes Jetty store the session before the
     * response goes out, so the client's next request (on any node) sees the change; the core's
     * byte comparison then writes only what really changed, or sends nothing. A session that was
     * never stored is dirty too, so even one without attributes exists in Redis before the client
     * gets its cookie.
     */
    @Override
    public boolean isDirty() {
        SessionRecord r = record;
        return super.isDirty() || !getAllAttributes().isEmpty() || r == null || r.isNew();
    }

    /** The names set since the last call, removed from the dirty set. */
    List<String> drainDirtyNames() {
        List<String> names = new ArrayList<>();
        dirtyNames.removeIf(names::add);
        return names;
    }

    /**
     * Jetty's renewSessionId sets the new id, deletes the old id in the store, then stores under the
     * new id. The store is told here, so that it skips the delete and moves the record in the
     * store call instead (the old hash is removed by the move: a session invalidated elsewhere
     * meanwhile is not brought back under a new id).
     */
    @Override
    public void setId(String id) {
        String old = getId();
        if (owner != null && old != null && !old.equals(id) && record != null) {
            owner.renaming(old);
        }
        super.setId(id);
    }

    static int seconds(long maxInactiveMs) {
        // A positive timeout never rounds down to "never expires".
        return maxInactiveMs <= 0 ? -1 : (int) Math.max(1, (maxInactiveMs + 999) / 1000);
    }

    static long millis(int maxInactiveSeconds) {
        return maxInactiveSeconds <= 0 ? -1 : maxInactiveSeconds * 1000L;
    }
}
