package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sliding window's quantiles, precision and rotation, on a ticker the test moves. */
class SlidingHistogramTest {
    private static final long MINUTE = SlidingHistogram.PERIOD_NANOS;
    private final AtomicLong ticker = new AtomicLong(5 * MINUTE + 123);
    private final SlidingHistogram h = new SlidingHistogram(ticker::get);

    @Test
    void emptyWindowReadsZero() {
        assertEquals(0, h.quantile(0.5));
        assertEquals(0, h.quantile(0.99));
        assertEquals(0, h.max());
    }

    @Test
    void smallValuesAreExact() {
        for (int v = 1; v <= 10; v++) {
            h.record(v);
        }
        assertEquals(5, h.quantile(0.5));
        assertEquals(10, h.quantile(0.99));
        assertEquals(1, h.quantile(0.01));
        assertEquals(10, h.max());
    }

    @Test
    void quantilesAreWithinTheStatedPrecision() {
        Random random = new Random(42);
        long[] values = new long[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(random.nextDouble() * 20); // 1 .. ~5e8, log-uniform
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double q : new double[]{0.1, 0.5, 0.9, 0.99, 0.999}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            long estimate = h.quantile(q);
            assertTrue(Math.abs(estimate - exact) <= exact * 0.0625 + 1,
                    "q=" + q + ": exact " + exact + ", estimate " + estimate);
        }
        assertEquals(values[values.length - 1], h.max());
    }

    @Test
    void everyBucketsMidpointLiesInItsBucket() {
        for (int b = 0; b < SlidingHistogram.BUCKETS - 1; b++) {
            assertEquals(b, SlidingHistogram.bucket(SlidingHistogram.midpoint(b)), "bucket " + b);
        }
        assertEquals(SlidingHistogram.BUCKETS - 1, SlidingHistogram.bucket(Long.MAX_VALUE));
        assertEquals(0, SlidingHistogram.bucket(0));
    }

    @Test
    void theWindowCoversThisAndThePreviousMinuteOnly() {
        for (int i = 0; i < 100; i++) {
            h.record(992); // the midpoint of its bucket [960, 1024): read back exactly
        }
        ticker.addAndGet(MINUTE);
        h.record(10);
        assertEquals(992, h.quantile(0.5), "the previous minute still counts");
        assertEquals(992, h.max());

        ticker.addAndGet(MINUTE);
        assertEquals(10, h.quantile(0.5), "two minutes on, only the minute before remains");
        assertEquals(10, h.max());
        h.record(12);
        assertEquals(12, h.max());

        ticker.addAndGet(2 * MINUTE);
        assertEquals(0, h.quantile(0.99), "nothing recorded in the last two minutes");
        assertEquals(0, h.max());
    }

    @Test
    void aSlotIsReusedForItsNextPeriodWithoutItsOldValues() {
        h.record(5000);
        ticker.addAndGet(2 * MINUTE); // same slot parity as the first period
        h.record(7);
        assertEquals(7, h.quantile(0.99));
        assertEquals(7, h.max());
    }

    @Test
    void quantileIsCappedAtTheMaximum() {
        h.record(1_000_003); // its bucket's midpoint is above the value
        assertEquals(1_000_003, h.max());
        assertTrue(h.quantile(0.5) <= 1_000_003);
        assertTrue(h.quantile(0.5) >= 1_000_003 * 0.9375);
    }

    @Test
    void negativeValuesCountAsZero() {
        h.record(-5);
        assertEquals(0, h.quantile(0.5));
        assertEquals(0, h.max());
    }
}
