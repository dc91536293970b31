package io.lanyard.core;

/** What {@link RedisSessionStore#save} did. */
public enum SaveResult {
    /** Changes were written atomically. */
    SAVED,
    /** Nothing had changed: nothing was sent (the load already refreshed access time and TTL). */
    UNCHANGED,
    /**
     * The session no longer exists in Redis (invalidated by another node, or expired): nothing was
     * written, the session was not brought back.
     */
    GONE
}
