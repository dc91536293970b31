package io.lanyard.core;

/**
 * When a request's load must write the access back to Redis (the "touch": access times, expiry,
 * node, TTL), and what expiry a touch writes. One place for both, so the expiry Redis holds and the
 * decision to skip a touch cannot disagree.
 *
 * <p>Design notes. A read-only request writes nothing while the stored access is younger than the
 * touch interval ({@code touchIntervalSeconds}; auto = min(60 s, maxInactive / 20)). To keep a
 * session from expiring early although its last accesses were not written, a touch writes the
 * expiry one interval late: {@code accessed + maxInactive + interval}. Any request within the
 * interval after a touch then lies less than maxInactive before that expiry, and a request after
 * the interval touches again. So a session expires between maxInactive and maxInactive + interval
 * after its last request: late by at most the interval, never early. The TTL and the expiry index
 * follow the expiry field, so all three agree. An expiry written without that slack (Jetty persists
 * its own {@code SessionData} expiry as given) simply makes the next load's touch due.
 */
final class TouchPolicy {
    /** The cap of the auto interval, and the auto interval of sessions that never expire. */
    static final long AUTO_MAX_MILLIS = 60_000;

    /** Configured seconds; -1 = auto. */
    private final int configuredSeconds;

    TouchPolicy(int configuredSeconds) {
        this.configuredSeconds = configuredSeconds;
    }

    /** The touch interval of a session with this timeout. */
    long intervalMillis(int maxInactiveSeconds) {
        if (configuredSeconds >= 0) {
            return configuredSeconds * 1000L;
        }
        return maxInactiveSeconds > 0 ? Math.min(AUTO_MAX_MILLIS, maxInactiveSeconds * 1000L / 20) : AUTO_MAX_MILLIS;
    }

    /** The expiry a touch at {@code accessedMillis} writes (0 = never expires): one interval after the plain timeout. */
    long expiryFor(long accessedMillis, int maxInactiveSeconds) {
        return maxInactiveSeconds <= 0 ? 0 : accessedMillis + maxInactiveSeconds * 1000L + intervalMillis(maxInactiveSeconds);
    }

    /**
     * True when a request at {@code now} must write its access: the interval is 0, or the stored
     * access is at least one interval old, or the stored expiry would end the session less than
     * maxInactive after this request.
     */
    boolean isDue(long now, long storedAccessed, long storedExpiry, int maxInactiveSeconds) {
        long interval = intervalMillis(maxInactiveSeconds);
        if (interval == 0 || now - storedAccessed >= interval) {
            return true;
        }
        return maxInactiveSeconds > 0 && (storedExpiry <= 0 || storedExpiry < now + maxInactiveSeconds * 1000L);
    }
}
