package io.lanyard.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Quantiles and maximum of recent values (latencies, lags) for the JMX view: recorded from many
 * request threads without locks, read rarely.
 *
 * <p>Design notes.
 * <ul>
 * <li>Window: two fixed-bucket histograms, each covering one period ({@link #PERIOD_NANOS}, a
 *     minute), used in turn: a value goes to the histogram of the current period; a read merges
 *     the current and the previous one. So a read covers the last one to two minutes.</li>
 * <li>Rotation without locks: the first value of a new period swaps a fresh histogram into the
 *     slot of the period before last (one allocation a minute). A thread that read the old slot
 *     just before may still count into it: a value or two at a period's edge may be lost, which a
 *     monitoring figure can afford.</li>
 * <li>Precision: buckets are log-scale, 8 per power of two (values below 16 have a bucket each),
 *     so a quantile is the midpoint of its bucket, within 6.25% of the true value, never above
 *     the window's maximum. Values above 2<sup>40</sup> share the top bucket.</li>
 * <li>Recording costs one clock read, one atomic increment and one read of the maximum (a CAS
 *     only when the value is a new maximum).</li>
 * </ul>
 */
final class SlidingHistogram {
    /** How long each of the two histograms collects values: the window is one to two of these. */
    static final long PERIOD_NANOS = 60_000_000_000L;
    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    /** Values below this have a bucket each. */
    private static final int LINEAR = 2 * SUB;
    private static final int MAX_EXPONENT = 40;
    /** The linear ones, 8 per power of two from 2^4 to 2^39, and one for everything above. */
    static final int BUCKETS = LINEAR + (MAX_EXPONENT - SUB_BITS - 1) * SUB + 1;

    private final LongSupplier nanoTicker;
    private final long periodNanos;
    private final AtomicReferenceArray<Period> slots = new AtomicReferenceArray<>(2);

    /** @param nanoTicker the time in nanoseconds ({@code System::nanoTime}; tests move it) */
    SlidingHistogram(LongSupplier nanoTicker) {
        this(nanoTicker, PERIOD_NANOS);
    }

    SlidingHistogram(LongSupplier nanoTicker, long periodNanos) {
        this.nanoTicker = nanoTicker;
        this.periodNanos = periodNanos;
    }

    /** Records one value (negative values count as 0). */
    void record(long value) {
        long v = Math.max(0, value);
        long now = Math.floorDiv(nanoTicker.getAsLong(), periodNanos);
        int i = (int) (now & 1);
        Period p = slots.get(i);
        if (p == null || p.number < now) {
            Period fresh = new Period(now);
            p = slots.compareAndSet(i, p, fresh) ? fresh : slots.get(i); // lost the race: the winner's is as fresh
        }
        p.counts.incrementAndGet(bucket(v));
        long max;
        while (v > (max = p.max.get()) && !p.max.compareAndSet(max, v)) {
            // another thread raised the maximum meanwhile: compare again
        }
    }

    /**
     * The value below which a fraction {@code q} of the window's values lie (the midpoint of its
     * bucket, capped at the window's maximum); 0 when the window is empty.
     */
    long quantile(double q) {
        long now = Math.floorDiv(nanoTicker.getAsLong(), periodNanos);
        long[] merged = new long[BUCKETS];
        long total = 0;
        long max = 0;
        for (int s = 0; s < 2; s++) {
            Period p = slots.get(s);
            if (p != null && p.number >= now - 1) {
                for (int b = 0; b < BUCKETS; b++) {
                    long c = p.counts.get(b);
                    merged[b] += c;
                    total += c;
                }
                max = Math.max(max, p.max.get());
            }
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += merged[b];
            if (seen >= rank) {
                return Math.min(max, midpoint(b));
            }
        }
        return max;
    }

    /** The largest value in the window; 0 when it is empty. */
    long max() {
        long now = Math.floorDiv(nanoTicker.getAsLong(), periodNanos);
        long max = 0;
        for (int s = 0; s < 2; s++) {
            Period p = slots.get(s);
            if (p != null && p.number >= now - 1) {
                max = Math.max(max, p.max.get());
            }
        }
        return max;
    }

    static int bucket(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        if (exponent >= MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (v >>> (exponent - SUB_BITS)) & (SUB - 1);
        return LINEAR + (exponent - SUB_BITS - 1) * SUB + sub;
    }

    static long midpoint(int bucket) {
        if (bucket < LINEAR) {
            return bucket;
        }
        int exponent = (bucket - LINEAR) / SUB + SUB_BITS + 1;
        long width = 1L << (exponent - SUB_BITS);
        long low = (1L << exponent) + ((bucket - LINEAR) % SUB) * width;
        return low + width / 2;
    }

    /** One period's histogram. */
    private static final class Period {
        final long number;
        final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
        final AtomicLong max = new AtomicLong();

        Period(long number) {
            this.number = number;
        }
    }
}
