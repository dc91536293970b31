package io.lanyard.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most one WARNING per key (a failure cause) and interval; the next one says how many were
 * suppressed in between. So an outage logs a line a minute, not one per request.
 */
final class RateLimitedLog {
    private final System.Logger log;
    private final long intervalMillis;
    private final Map<String, long[]> state = new ConcurrentHashMap<>(); // key -> {lastLoggedAt, suppressed}

    RateLimitedLog(System.Logger log, long intervalMillis) {
        this.log = log;
        this.intervalMillis = intervalMillis;
    }

    void warn(String key, String message) {
        long now = System.currentTimeMillis();
        long[] s = state.computeIfAbsent(key, k -> new long[]{Long.MIN_VALUE / 2, 0});
        long suppressed;
        synchronized (s) {
            if (now - s[0] < intervalMillis) {
                s[1]++;
                return;
            }
            suppressed = s[1];
            s[0] = now;
            s[1] = 0;
        }
        log.log(System.Logger.Level.WARNING, suppressed == 0 ? message : message + " [" + suppressed + " similar since the last warning]");
    }
}
