package io.lanyard.core;

/**
 * Bounds the Redis lookups a container makes while it resolves a request's session cookies, before
 * any of Lanyard's per-request code runs: Tomcat's {@code CoyoteAdapter} and Jetty's
 * {@code resolveRequestedSessionId} load the session of each {@code JSESSIONID} cookie in turn, and
 * some 200 such cookies fit in a default request header, so one request could cost 200 Redis
 * commands. Within that resolution, the first {@value #PER_REQUEST} lookups of a request go to
 * Redis; the others count as no session. Lookups anywhere else (cross-context, tools) are never
 * refused.
 *
 * <p>Used through {@link RedisSessionStore#cookieResolver}. The resolution runs on the request's
 * thread just before the adapter's own per-request code, which calls {@link #resolved()}; the count
 * lives in a thread-local for that stretch. A count older than a second is another request's whose
 * resolution ended without reaching the adapter (a rejected request). Jetty loads every request's
 * session inside its resolution, so the check is one thread-local counter; the thread's stack is
 * looked at only past the bound.
 */
final class SessionIdLookups {
    /** Lookups in Redis a request's cookie resolution may make. */
    static final int PER_REQUEST = 4;
    private static final long STALE_NANOS = 1_000_000_000L;
    private final String resolverClass;
    private final String resolverMethod;
    /** {lookups in the current resolution, when the last one was (nanos)}. */
    private final ThreadLocal<long[]> counts = ThreadLocal.withInitial(() -> new long[2]);

    /** @param resolverClass the container's class whose method {@code resolverMethod} resolves a request's session cookies */
    SessionIdLookups(String resolverClass, String resolverMethod) {
        this.resolverClass = resolverClass;
        this.resolverMethod = resolverMethod;
    }

    /** True when this lookup may go to Redis; false past {@value #PER_REQUEST} in one request's cookie resolution. */
    boolean allowed() {
        long[] c = counts.get();
        long now = System.nanoTime();
        if (now - c[1] > STALE_NANOS) {
            c[0] = 0;
        }
        c[1] = now;
        if (++c[0] <= PER_REQUEST) {
            return true;
        }
        // Past the bound: refused only within the container's cookie resolution.
        return !StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getMethodName().equals(resolverMethod) && f.getClassName().equals(resolverClass)));
    }

    /** The request's cookie resolution is over (the adapter's per-request code runs): the next one counts from 0. */
    void resolved() {
        counts.get()[0] = 0;
    }
}
