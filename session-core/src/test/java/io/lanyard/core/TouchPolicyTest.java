package io.lanyard.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TouchPolicyTest {
    private final TouchPolicy auto = new TouchPolicy(-1);

    @Test
    void autoIsATwentiethOfTheTimeoutAtMostAMinute() {
        assertEquals(60_000, auto.intervalMillis(1800));
        assertEquals(30_000, auto.intervalMillis(600));
        assertEquals(3_000, auto.intervalMillis(60));
        assertEquals(60_000, auto.intervalMillis(0), "never-expiring sessions: the cap");
        assertEquals(0, new TouchPolicy(0).intervalMillis(1800));
        assertEquals(10_000, new TouchPolicy(10).intervalMillis(60));
    }

    @Test
    void aTouchWritesTheExpiryOneIntervalLate() {
        assertEquals(1_000 + 1_800_000 + 60_000, auto.expiryFor(1_000, 1800));
        assertEquals(1_000 + 1_800_000, new TouchPolicy(0).expiryFor(1_000, 1800));
        assertEquals(0, auto.expiryFor(1_000, 0));
    }

    @Test
    void dueOnceTheStoredAccessIsAnIntervalOld() {
        long t0 = 1_000_000;
        long expiry = auto.expiryFor(t0, 1800);
        assertFalse(auto.isDue(t0 + 59_999, t0, expiry, 1800));
        assertTrue(auto.isDue(t0 + 60_000, t0, expiry, 1800));
        assertTrue(new TouchPolicy(0).isDue(t0, t0, expiry, 1800), "0 = every request");
    }

    @Test
    void dueWhenTheStoredExpiryWouldEndTheSessionEarly() {
        long t0 = 1_000_000;
        // As Jetty persists it: accessed + timeout, without the interval.
        assertTrue(auto.isDue(t0 + 1, t0, t0 + 1_800_000, 1800));
        assertFalse(auto.isDue(t0, t0, t0 + 1_800_000, 1800), "same millisecond: the stored expiry still covers it");
    }

    @Test
    void neverEarly() {
        // Whatever the request times, a request that does not touch finds an expiry at least one timeout after itself.
        long t0 = 5_000;
        int timeout = 60;
        long storedAccessed = t0;
        long storedExpiry = auto.expiryFor(t0, timeout);
        for (long now = t0; now < t0 + 200_000; now += 700) {
            if (auto.isDue(now, storedAccessed, storedExpiry, timeout)) {
                storedAccessed = now;
                storedExpiry = auto.expiryFor(now, timeout);
            }
            assertTrue(storedExpiry >= now + timeout * 1000L, "expired early after a request at " + now);
            assertTrue(storedExpiry <= now + timeout * 1000L + auto.intervalMillis(timeout), "later than one interval at " + now);
        }
    }
}
