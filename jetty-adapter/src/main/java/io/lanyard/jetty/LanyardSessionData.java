package io.lanyard.jetty;

import io.lanyard.core.SessionRecord;
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
    Set<String> drainDirtyNames() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (String n : dirtyNames) {
            if (dirtyNames.remove(n)) {
                names.add(n);
            }
        }
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
}
