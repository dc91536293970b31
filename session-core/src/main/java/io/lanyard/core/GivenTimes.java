package io.lanyard.core;

/**
 * Tells a container's own access step apart from times set as given, for a container that hands
 * the store its session's times (Jetty's {@code SessionData}). Jetty's
 * {@code ManagedSession.access} sets {@code accessed} to the request's time, then
 * {@code lastAccessed} to the previous {@code accessed}: that pair is an access, which the core
 * records itself (the load's touch). Any other change of these times (set as given, e.g. by a
 * store that keeps later times) is persisted by the next save. One per record; guarded, as the
 * container's own times, by the container's lock of the session.
 */
final class GivenTimes {
    /** Times were set other than by accesses since the last store. */
    private boolean given;
    /** The accessed time before the last {@link #accessedSet}, while the access may still set it as lastAccessed; else -1. */
    private long accessedBefore = -1;

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
     * True when a store's metadata carries nothing but accesses the load already applied to
     * {@code r} (Redis holds this request's access, or one recent enough: {@link TouchPolicy}),
     * also those of overlapping requests that shared the load: such a store writes no metadata.
     * {@code tracked}: the container reported its time changes here; otherwise (a container
     * object of its own, as Jetty's conformance suite builds) an access is recognised by its times
     * alone. Starts the next period.
     */
    boolean onlyThisAccess(SessionRecord r, long created, long accessed, long lastAccessed, int maxInactive,
                           long cookieSet, boolean tracked) {
        boolean onlyAccesses = tracked ? !given && accessedBefore == -1
                : lastAccessed == r.lastAccessedTime() && accessed >= r.lastAccessedTime();
        given = false;
        accessedBefore = -1;
        return r.isTouched() && onlyAccesses && created == r.creationTime() && maxInactive == r.maxInactiveSeconds()
                && cookieSet == r.cookieSetTime();
    }
}
