package io.lanyard.core;

/**
 * Session id checks shared by both adapters. An id is validated before it becomes part of a Redis
 * key: anything else is treated as "no session", never sent to Redis.
 */
final class SessionIds {
    /** Longest id accepted; Tomcat's default is 32 hex characters, Jetty's about 30. */
    static final int MAX_LENGTH = 128;
    /** Shortest id accepted: shorter ids are guessable. */
    static final int MIN_LENGTH = 16;

    private SessionIds() {
    }

    /**
     * Strips a routing suffix: Tomcat appends {@code .jvmRoute}, Jetty {@code .workerName}. The
     * stored id is the part before the first dot.
     */
    static String stripRoute(String cookieValue) {
        if (cookieValue == null) {
            return null;
        }
        int dot = cookieValue.indexOf('.');
        return dot < 0 ? cookieValue : cookieValue.substring(0, dot);
    }

    /** The valid id in {@code cookieValue} without its route suffix, or {@code null}: see {@link RedisSessionStore#storedId}. */
    static String stored(String cookieValue) {
        String id = stripRoute(cookieValue);
        return isValid(id) ? id : null;
    }

    /** True when the id has a safe length and only the characters {@code [A-Za-z0-9_-]}. */
    static boolean isValid(String id) {
        if (id == null || id.length() < MIN_LENGTH || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Throws an {@link IllegalArgumentException} unless {@code id} is a valid session id ({@link #isValid}). */
    static void requireValid(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("invalid session id (length " + (id == null ? 0 : id.length()) + ")");
        }
    }

    /** A short form for log lines: enough to correlate, not enough to hijack the session. */
    static String abbreviate(String id) {
        if (id == null) {
            return "null";
        }
        return id.length() <= 8 ? id : id.substring(0, 8) + "...";
    }
}
