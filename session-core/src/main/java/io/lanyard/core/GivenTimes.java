package io.lanyard.core;

/**
 * Tells a container's own access step apart from times set as given, for a container that hands
 * the store its session's times (Jetty's {@code SessionData}). Jetty's
 * {@code ManagedSession.access} sets {@code accessed} to the request's time, then
 * {@code lastAccessed} to the previous {@code accessed}: that pair is an access, which the core
 * records itself (the load's touch). Any other change of these times (set as given, e.g. by a
 * store that keeps later times) is persisted by the next save. One per record; guarded, as the
 * container's own times, by the container's lock of the session. Also keeps what Redis holds of
 * the access ({@link #held}), against which both a container's store and a request that joined the
 * core's {@link ActiveSession} after its load ({@link #joined}) decide whether an access is due.
 */
final class GivenTimes {
    /** Times were set other than by accesses since the last store. */
    private boolean given;
    /** The accessed time before the last {@link #accessedSet}, while the access may still set it as lastAccessed; else -1. */
    private long accessedBefore = -1;
    /** See {@link #held}. Volatile: the core's request lifecycle reads them in any request's save. */
    private volatile long heldAccess;
    private volatile long heldExpiry;
    /** The latest access of a request that joined the loaded session ({@link #joined}); 0 when none. */
    private final java.util.concurrent.atomic.AtomicLong joined = new java.util.concurrent.atomic.AtomicLong();

    /** {@link #expiryToWrite}: no metadata to write. */
    static final long NOTHING = Long.MIN_VALUE;

    /** The container sets {@code accessed}, replacing {@code previous}. */
    void accessedSet(long previous) {
        if (accessedBefore != -1) {
            given = true; // the previous change of accessed was not an access
        }
        accessedBefore = previous;
    }

    /** The container sets {@code lastAccessed}. */
    void lastAccessedSet(long lastAccessed) {
        if (accessedBefore == -1 || lastAccessed != accessedBefore) {
            given = true;
        }
        accessedBefore = -1;
    }

    /**
     * What Redis holds of the session's access, as far as this node knows: after its load (the
     * stored access, or the load's touch when that was written) or its last store of metadata.
     */
    void held(long accessed, long expiry) {
        heldAccess = accessed;
        heldExpiry = expiry;
    }

    /**
     * A request at {@code access} joined this record's {@link ActiveSession} after its load (single
     * flight): the load's touch did not write its access. The next save writes it when due.
     */
    void joined(long access) {
        joined.accumulateAndGet(access, Math::max);
    }

    /**
     * The access of a joined request ({@link #joined}) that what Redis holds no longer covers
     * ({@link TouchPolicy#isDue}: a request joining a session held for long, e.g. by a long poll,
     * after the touch interval; without its write the session would expire early), or
     * {@link #NOTHING}. Within the interval of what is held, nothing: at most one write per interval.
     */
    long joinedAccessDue(TouchPolicy touch, int maxInactive) {
        long access = joined.get();
        return access > heldAccess && touch.isDue(access, heldAccess, heldExpiry, maxInactive) ? access : NOTHING;
    }

    /**
     * The expiry a store of the container's metadata writes, or {@link #NOTHING}. Nothing when the
     * metadata carries only accesses (this request's and those of overlapping requests that shared
     * the load) that what Redis holds still covers ({@link TouchPolicy#isDue}); the touch's expiry
     * for an access it no longer covers (a request that joined a session held for long, e.g. by a
     * long poll, after the touch interval: without this write the session would expire early);
     * {@code expiry} as given when other times changed. {@code tracked}: the container reported its
     * time changes here; otherwise (a container object of its own, as Jetty's conformance suite
     * builds) an access is recognised by its times alone. Starts the next period.
     */
    long expiryToWrite(SessionRecord r, TouchPolicy touch, long created, long accessed, long lastAccessed, int maxInactive,
                       long expiry, long cookieSet, boolean tracked) {
        boolean onlyAccesses = tracked ? !given && accessedBefore == -1
                : lastAccessed == r.lastAccessedTime() && accessed >= r.lastAccessedTime();
        given = false;
        accessedBefore = -1;
        long write;
        if (!(r.isTouched() && onlyAccesses && created == r.creationTime() && maxInactive == r.maxInactiveSeconds()
                && cookieSet == r.cookieSetTime())) {
            write = expiry;
        } else if (touch.isDue(accessed, heldAccess, heldExpiry, maxInactive)) {
            write = touch.expiryFor(accessed, maxInactive);
        } else {
            return NOTHING;
        }
        held(accessed, write);
        return write;
    }
}
