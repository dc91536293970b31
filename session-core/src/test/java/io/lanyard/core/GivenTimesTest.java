package io.lanyard.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When the access of a request that joined a loaded session is due ({@link GivenTimes#joinedAccessDue}). */
class GivenTimesTest {
    private final TouchPolicy auto = new TouchPolicy(-1); // 60 s for a 30 min timeout

    @Test
    void aJoinedAccessIsDueOnlyOnceWhatRedisHoldsNoLongerCoversIt() {
        long t0 = 1_000_000;
        GivenTimes times = new GivenTimes();
        times.held(t0, auto.expiryFor(t0, 1800));
        assertEquals(GivenTimes.NOTHING, times.joinedAccessDue(auto, 1800), "no joiner");
        times.joined(t0 + 59_999);
        assertEquals(GivenTimes.NOTHING, times.joinedAccessDue(auto, 1800), "within the interval");
        times.joined(t0 + 60_000);
        times.joined(t0 + 30_000); // an earlier joiner's time arriving late does not hide the latest
        assertEquals(t0 + 60_000, times.joinedAccessDue(auto, 1800));
        times.held(t0 + 60_000, auto.expiryFor(t0 + 60_000, 1800)); // what the write of it leaves
        assertEquals(GivenTimes.NOTHING, times.joinedAccessDue(auto, 1800), "written: later saves send nothing");
    }

    @Test
    void aJoinedAccessIsDueWhenTheHeldExpiryWouldEndTheSessionEarly() {
        long t0 = 1_000_000;
        GivenTimes times = new GivenTimes();
        times.held(t0, t0 + 1_800_000); // an expiry without the touch's slack (Jetty's, as given)
        times.joined(t0 + 1_000);
        assertEquals(t0 + 1_000, times.joinedAccessDue(auto, 1800));
    }
}
