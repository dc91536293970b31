package io.lanyard.jetty;

import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SessionRecord;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionCache;
import org.eclipse.jetty.session.SessionData;

/**
 * Jetty's view of one session, bound to the Lanyard {@link SessionRecord} it was loaded from (or
 * will be created as). Its attribute map is the record's own ({@link SessionRecord#asMap()}): no
 * copy, attributes decoded when first read, every change tracked by the record, Lanyard's reserved
 * attributes hidden. The record decides what a store writes.
 */
final class LanyardSessionData extends SessionData {
    private static final long serialVersionUID = 1L;

    private final transient RedisSessionDataStore owner;
    private final transient SessionRecord record;

    LanyardSessionData(RedisSessionDataStore owner, String id, String contextPath, String vhost, long created,
                       long accessed, long lastAccessed, long maxInactiveMs, SessionRecord record) {
        super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
        this.owner = owner;
        this.record = record;
        _attributes = record.asMap();
    }

    /** Jetty's view of {@code r}: the metadata as persisted (before this node's touch). */
    static LanyardSessionData of(RedisSessionDataStore owner, String id, String contextPath, String vhost, SessionRecord r,
                                 String lastNode, long now) {
        LanyardSessionData d = new LanyardSessionData(owner, id, contextPath, vhost, r.creationTime(), r.storedAccessedTime(),
                r.storedLastAccessedTime(), SessionRecord.timeoutMillis(r.maxInactiveSeconds()), r);
        d.setExpiry(r.storedExpiryTime());
        d.setLastNode(lastNode);
        d.setCookieSet(r.cookieSetTime());
        d.setLastSaved(now);
        d.clean();
        return d;
    }

    SessionRecord record() {
        return record;
    }

    /**
     * Jetty's {@code ManagedSession.access} sets {@code accessed}, then {@code lastAccessed}: the
     * record tells such an access (which the core records itself) from times set as given.
     */
    @Override
    public void setAccessed(long accessed) {
        record.accessedSet(getAccessed());
        super.setAccessed(accessed);
    }

    /** See {@link #setAccessed}. */
    @Override
    public void setLastAccessed(long lastAccessed) {
        record.lastAccessedSet(lastAccessed);
        super.setLastAccessed(lastAccessed);
    }

    /**
     * The requests using session {@code id} on this node as Jetty's cache counts them
     * ({@code RedisSessionStore.storeCopy}): 0 at the store of Jetty's release after the last one
     * left (the session is evicted next), 1 for only the storing one (or a session not in the
     * cache), {@link Integer#MAX_VALUE} when this cache cannot tell.
     */
    static int requestsUsing(SessionCache cache, String id) {
        if (cache instanceof DefaultSessionCache c) {
            ManagedSession s = c.doGet(id);
            return s == null ? 1 : (int) Math.min(Integer.MAX_VALUE, s.getRequests());
        }
        return Integer.MAX_VALUE;
    }

    /**
     * Also true when the record may have changed without Jetty knowing ({@link SessionRecord#mayHaveChanged}:
     * a mutable value was read since the last store, or it was never stored), so that with
     * {@code flushOnResponseCommit} Jetty stores it before the response goes out and the client's
     * next request, on any node, sees the change.
     */
    @Override
    public boolean isDirty() {
        return super.isDirty() || record.mayHaveChanged();
    }

    /** Jetty's renewSessionId sets the new id, deletes the old id, then stores: {@link RedisSessionStore#idChanging}. */
    @Override
    public void setId(String id) {
        String old = getId();
        RedisSessionStore store = owner == null ? null : owner.getStore();
        if (store != null && old != null && !old.equals(id)) {
            store.idChanging(owner.storeId(old));
        }
        super.setId(id);
    }
}
