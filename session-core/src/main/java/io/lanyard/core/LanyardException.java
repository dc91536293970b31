package io.lanyard.core;

/**
 * The one unchecked exception family of Lanyard. Carries the id of the session concerned, when
 * there is one, so a log line always says which session failed.
 */
public class LanyardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String sessionId;

    LanyardException(String sessionId, String message, Throwable cause) {
        super(sessionId == null ? message : message + " [session " + SessionIds.abbreviate(sessionId) + "]", cause);
        this.sessionId = sessionId;
    }

    /** The session this failure concerns, or {@code null} when it concerns none. */
    public String sessionId() {
        return sessionId;
    }

    /**
     * Lanyard's own answer to a request that failed with {@code failure} before its response was
     * committed, the same on both containers: 503 when Redis is unreachable or full
     * ({@link RedisUnavailableException}), else 500 (a save was refused: the client must not see a
     * 200). Gives the status to {@code status} and each header to {@code header} (UTF-8 plain text
     * with its {@code Content-Length}, never cached, and on a 503 {@code Retry-After}).
     *
     * @return the body to write (plain text, UTF-8)
     */
    public static byte[] httpAnswer(Throwable failure, java.util.function.IntConsumer status,
                                    java.util.function.BiConsumer<String, String> header) {
        RedisUnavailableException e = RedisUnavailableException.in(failure);
        int code = e != null ? 503 : 500;
        byte[] body = (e != null ? e.answer() : "500 Internal Server Error: the session could not be saved.\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        status.accept(code);
        httpHeaders(code).forEach(header);
        header.accept("Content-Length", Integer.toString(body.length));
        return body;
    }

    /**
     * The headers of that answer with {@code status}: UTF-8 plain text, never cached, and on a 503
     * {@code Retry-After} ({@link RedisUnavailableException#RETRY_AFTER_SECONDS}).
     */
    public static java.util.Map<String, String> httpHeaders(int status) {
        return status == 503
                ? java.util.Map.of("Content-Type", TEXT, "Cache-Control", "no-store", "Retry-After", RedisUnavailableException.RETRY_AFTER_SECONDS)
                : java.util.Map.of("Content-Type", TEXT, "Cache-Control", "no-store");
    }

    private static final String TEXT = "text/plain;charset=utf-8";

    /**
     * Redis could not be reached (connect or read timeout, connection refused, failover in
     * progress). Adapters answer the request with 503 Service Unavailable.
     */
    public static class RedisUnavailableException extends LanyardException {
        private static final long serialVersionUID = 1L;
        /** The body of that 503 answer on both containers (plain text). */
        public static final String ANSWER =
                "503 Service Unavailable: the session store (Redis) cannot be reached. Please retry in a moment.\n";
        /** The {@code Retry-After} header of that 503 answer, in seconds. */
        public static final String RETRY_AFTER_SECONDS = "5";

        RedisUnavailableException(String sessionId, String message, Throwable cause) {
            super(sessionId, message, cause);
        }

        /** The body of this failure's 503 answer: {@link #ANSWER}, or {@link RedisFullException#FULL_ANSWER}. */
        public String answer() {
            return ANSWER;
        }

        /** The first of these in {@code t}'s cause chain (10 deep at most, as containers wrap it), or {@code null}. */
        public static RedisUnavailableException in(Throwable t) {
            for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
                if (t instanceof RedisUnavailableException e) {
                    return e;
                }
            }
            return null;
        }
    }

    /**
     * Redis refused a write because it is full ({@code maxmemory} reached, {@code noeviction}).
     * Reads still work, so this is no outage: only the request whose changes could not be saved
     * fails, and adapters answer it with 503 Service Unavailable like an unreachable Redis.
     */
    static class RedisFullException extends RedisUnavailableException {
        private static final long serialVersionUID = 1L;
        /** The body of the 503 answer to a write Redis refused for memory (plain text). */
        public static final String FULL_ANSWER =
                "503 Service Unavailable: the session store (Redis) is full; your change was not saved. Please retry later.\n";

        RedisFullException(String sessionId, String message, Throwable cause) {
            super(sessionId, message, cause);
        }

        @Override
        public String answer() {
            return FULL_ANSWER;
        }
    }

    /** A save was refused because the encoded session exceeds {@code maxSessionBytes}; nothing was written. */
    static class SessionTooLargeException extends LanyardException {
        private static final long serialVersionUID = 1L;

        SessionTooLargeException(String sessionId, String message) {
            super(sessionId, message, null);
        }
    }

    /** The record in Redis has unreadable metadata; the session cannot be used. */
    public static class UnreadableSessionException extends LanyardException {
        private static final long serialVersionUID = 1L;

        UnreadableSessionException(String sessionId, String message, Throwable cause) {
            super(sessionId, message, cause);
        }
    }

    /** A class is not in the built-in safe set nor in {@code allowedClasses}. */
    static class ClassNotAllowedException extends LanyardException {
        private static final long serialVersionUID = 1L;

        ClassNotAllowedException(String className) {
            super(null, "class " + printable(className) + " is not allowed in sessions: add it (or its package, e.g. '"
                    + printable(packagePattern(className)) + "') to allowedClasses", null);
        }

        private static String packagePattern(String className) {
            int dot = className.lastIndexOf('.');
            return dot < 0 ? className : className.substring(0, dot) + ".*";
        }
    }

    /** A setting has a bad value; the adapter refuses to start. */
    static class ConfigurationException extends LanyardException {
        private static final long serialVersionUID = 1L;

        ConfigurationException(String message) {
            super(null, message, null);
        }
    }

    /** A session with this id already exists (create refused). */
    static class SessionIdCollisionException extends LanyardException {
        private static final long serialVersionUID = 1L;

        SessionIdCollisionException(String sessionId) {
            super(sessionId, "a session with this id already exists", null);
        }
    }

    /**
     * Text read from Redis (a class name in a session) as it may appear in a log line: control and
     * line-separator characters escaped, so corrupt or hostile data cannot forge log lines, and at
     * most 200 characters.
     */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), 200) + 3);
        for (int i = 0; i < text.length(); i++) {
            if (b.length() >= 200) {
                return b.append("...").toString();
            }
            char c = text.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
